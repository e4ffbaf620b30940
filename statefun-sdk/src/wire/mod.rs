//! The request-reply wire format, read and written by hand: requests are decoded as views
//! into the request buffer, responses are written straight into one buffer of the exact
//! size. `statefun-protocol`'s prost types describe the same messages; tests check that
//! both agree.

mod decode;
mod encode;
mod reader;

pub(crate) use decode::{
    Batch, InvocationView, StateEntry, ToFunctionError, TypedValueView, decode_to_function,
};
pub(crate) use encode::{
    Delayed, Effects, Egress, MissingSpec, Mutation, OutMessage, ResponseWriter, Sink,
    TypedPayload, encode_incomplete_context, encode_length_delimited, encode_varint,
};
pub(crate) use reader::{Field, Reader, WireError};
