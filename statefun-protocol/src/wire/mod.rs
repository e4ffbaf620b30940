//! The protobuf wire format, read and written by hand: the one core that StateFun's
//! hand-written codecs share (the SDK's request decoder, the runtime's response reader,
//! the test suite's schema check).
//!
//! The generated [`prost`] types of this crate decode whole messages into owned values.
//! The codecs on the hot paths instead read a message in place, field by field, keeping
//! ranges of the buffer rather than copies. This module holds what they need for that:
//!
//! - [`Reader`]: the fields of one message, as (field number, [`Value`]);
//! - varints: [`decode_varint`], [`encode_varint`], [`encoded_len_varint`], and field
//!   keys: [`key`], [`WireType`];
//! - strings: [`utf8`], [`is_utf8`];
//! - addresses: [`read_address`] and the canonical encoding of [`AddressParts`], which
//!   lets addresses be keyed by their bytes ([`is_canonical_address`]).
//!
//! # Equal to prost
//!
//! A reader built on this module accepts exactly the bytes prost's decoder accepts for
//! the same schema, and reads the same values from them:
//!
//! - a varint has at most ten bytes, and a tenth byte may only be 0 or 1; non-minimal
//!   varints (`0x81 0x00` for 1) are valid;
//! - a key must fit in 32 bits (so field numbers are 1 to 2²⁹ − 1), with wire type 0 to 5;
//! - groups (wire types 3 and 4, from proto2) are skipped to the matching end key, their
//!   contents checked as prost checks skipped fields, down to its recursion limit of
//!   [`RECURSION_LIMIT`]; an end key without a start is an error;
//! - a length must fit in what is left of the enclosing message;
//! - a known field with another wire type than its schema's is an error, an unknown field
//!   of any valid wire type is skipped;
//! - strings are UTF-8.
//!
//! What a codec does with a field that occurs twice is up to it; prost keeps the last
//! scalar or string, and merges a sub-message into the earlier one.
//!
//! One deliberate difference: prost lets known scalar fields of a message nested exactly
//! [`RECURSION_LIMIT`] deep through while rejecting its unknown fields; this reader
//! counts only groups against the limit (messages are nested as deep as the codec's
//! schema, which for StateFun is at most five), so both agree on every StateFun message.
//!
//! # Example
//!
//! ```
//! use statefun_protocol::wire::{Reader, read_address};
//!
//! // An InvocationBatchRequest whose field 1 is the target Address.
//! let batch = b"\x0a\x09\x0a\x01g\x12\x01c\x1a\x01x";
//! let mut reader = Reader::new(batch);
//! while let Some((number, value)) = reader.next_field().unwrap() {
//!     if number == 1 {
//!         let target = read_address(reader.nested(value.bytes(1).unwrap())).unwrap();
//!         assert_eq!((target.namespace, target.r#type, target.id), ("g", "c", "x"));
//!     }
//! }
//! ```

mod address;
mod error;
mod reader;
mod varint;

pub use address::{AddressParts, canonical_address_parts, is_canonical_address, read_address};
pub use error::{WireError, WireErrorKind};
pub use reader::{RECURSION_LIMIT, Reader, Value, WireType, key};
pub use varint::{decode_varint, encode_varint, encoded_len_varint};

/// `bytes` as a string, or [`WireErrorKind::NotUtf8`] naming `what`.
#[inline]
pub fn utf8<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a str, WireError> {
    std::str::from_utf8(bytes).map_err(|_| WireError::not_utf8(what))
}

/// Whether `bytes` are UTF-8; ASCII, which nearly every name and id of StateFun is, is
/// recognised faster than by a full check.
#[inline]
pub fn is_utf8(bytes: &[u8]) -> bool {
    bytes.is_ascii() || std::str::from_utf8(bytes).is_ok()
}

#[cfg(test)]
mod tests;
