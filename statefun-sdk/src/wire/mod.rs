//! The request-reply wire format, read and written by hand: requests are decoded as views
//! into the request buffer, responses are written straight into one buffer of the exact
//! size. `statefun-protocol`'s prost types describe the same messages; tests check that
//! both agree. The primitives are `statefun_protocol::wire`'s, shared with the runtime.

mod decode;
mod encode;
mod fields;
mod reader;

pub(crate) use decode::{
    Batch, InvocationView, Invocations, StateEntry, ToFunctionError, TypedValueView,
    decode_to_function,
};
pub(crate) use encode::{
    ResponseWriter, Sink, encode_incomplete_context, encode_length_delimited, encode_varint,
};
pub(crate) use fields::{
    Target, caller_address, decode_address, decode_target, malformed, typename_at, utf8,
};
pub(crate) use reader::{Field, Reader};
