//! The effect model: what a batch's functions send and write, collected by the
//! [`Context`](crate::Context) and the [`Storage`](crate::Storage) until the batch is
//! answered, and what the answer asks of the runtime. The wire codec writes these; the
//! API builds them without knowing how.

use bytes::Bytes;
use bytestring::ByteString;

use crate::{Address, TypeName};

/// A value to send: typename, presence and serialized bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypedPayload {
    pub(crate) typename: TypeName,
    pub(crate) has_value: bool,
    pub(crate) value: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutMessage {
    pub(crate) target: Address,
    pub(crate) argument: TypedPayload,
}

/// A delayed message, or with `message: None` the cancellation of the one sent with `token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delayed {
    pub(crate) delay_ms: i64,
    pub(crate) token: Option<ByteString>,
    pub(crate) message: Option<OutMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Egress {
    pub(crate) egress: TypeName,
    pub(crate) argument: TypedPayload,
}

/// The final value of one modified state; `value: None` deletes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mutation<'a> {
    pub(crate) name: &'a str,
    pub(crate) typename: &'a TypeName,
    pub(crate) value: Option<&'a Bytes>,
}

/// A state the runtime must register: name, type and expiration (mode, millis).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MissingSpec<'a> {
    pub(crate) name: &'a str,
    pub(crate) typename: &'a TypeName,
    pub(crate) expire_mode: u64,
    pub(crate) expire_after_millis: i64,
}

/// The side effects of one batch, in call order.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    pub(crate) messages: Vec<OutMessage>,
    pub(crate) delayed: Vec<Delayed>,
    pub(crate) egress: Vec<Egress>,
}
