//! What is wrong with bytes that are not the protobuf a reader expects.

use super::WireType;

/// Why bytes are not a valid protobuf encoding of the message being read. The message
/// names the problem and the byte offset where it was found; [`kind`](Self::kind) tells
/// the cases apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(transparent)]
pub struct WireError(#[from] Inner);

/// The cases of [`WireError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireErrorKind {
    /// A varint runs past the end of its message.
    TruncatedVarint,
    /// A varint is longer than ten bytes, or its tenth byte holds more than the 64th bit.
    InvalidVarint,
    /// A field key does not fit in 32 bits, so its field number is above 2²⁹ − 1.
    InvalidKey,
    /// A field key has field number 0.
    ZeroFieldNumber,
    /// A field key has wire type 6 or 7.
    InvalidWireType,
    /// A field's length (or fixed size) runs past the end of its message.
    TruncatedField,
    /// A group ends with another field number than it started with, or ends where none
    /// started.
    UnexpectedEndGroup,
    /// A group's end is missing.
    UnterminatedGroup,
    /// A known field arrived with a different wire type than its schema gives it.
    WrongWireType,
    /// A string field is not UTF-8.
    NotUtf8,
    /// Groups or messages are nested deeper than the recursion limit.
    RecursionLimit,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Inner {
    #[error("truncated varint at byte {0}")]
    TruncatedVarint(usize),
    #[error("invalid varint (longer than 64 bits) at byte {0}")]
    InvalidVarint(usize),
    #[error("field key above 32 bits (field number over 2^29 - 1) at byte {0}")]
    InvalidKey(usize),
    #[error("field number 0 at byte {0}")]
    ZeroFieldNumber(usize),
    #[error("unsupported wire type {wire_type} (field {field}) at byte {at}")]
    InvalidWireType {
        wire_type: u8,
        field: u32,
        at: usize,
    },
    #[error("field {field} claims {length} bytes at byte {at}, but only {left} remain")]
    TruncatedField {
        field: u32,
        length: u64,
        at: usize,
        left: usize,
    },
    #[error("unexpected end of group (field {field}) at byte {at}")]
    UnexpectedEndGroup { field: u32, at: usize },
    #[error("group (field {field}) at byte {at} is not terminated")]
    UnterminatedGroup { field: u32, at: usize },
    #[error("field {field} has wire type {actual}, expected {expected}")]
    WrongWireType {
        field: u32,
        expected: WireType,
        actual: WireType,
    },
    #[error("field {0} is not valid UTF-8")]
    NotUtf8(&'static str),
    #[error("recursion limit of {limit} nested messages and groups reached at byte {at}")]
    RecursionLimit { limit: u32, at: usize },
}

impl WireError {
    /// Which case this is.
    pub fn kind(&self) -> WireErrorKind {
        match self.0 {
            Inner::TruncatedVarint(_) => WireErrorKind::TruncatedVarint,
            Inner::InvalidVarint(_) => WireErrorKind::InvalidVarint,
            Inner::InvalidKey(_) => WireErrorKind::InvalidKey,
            Inner::ZeroFieldNumber(_) => WireErrorKind::ZeroFieldNumber,
            Inner::InvalidWireType { .. } => WireErrorKind::InvalidWireType,
            Inner::TruncatedField { .. } => WireErrorKind::TruncatedField,
            Inner::UnexpectedEndGroup { .. } => WireErrorKind::UnexpectedEndGroup,
            Inner::UnterminatedGroup { .. } => WireErrorKind::UnterminatedGroup,
            Inner::WrongWireType { .. } => WireErrorKind::WrongWireType,
            Inner::NotUtf8(_) => WireErrorKind::NotUtf8,
            Inner::RecursionLimit { .. } => WireErrorKind::RecursionLimit,
        }
    }

    /// A string field, named `what` in the message, that is not UTF-8.
    pub fn not_utf8(what: &'static str) -> Self {
        Inner::NotUtf8(what).into()
    }
}
