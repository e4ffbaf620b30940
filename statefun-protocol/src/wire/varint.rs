//! Base-128 varints: the integers, keys and lengths of the wire format.

use bytes::BufMut;

use super::WireError;
use super::error::Inner;

/// How many bytes the varint encoding of `value` takes (1 to 10).
#[inline]
pub const fn encoded_len_varint(value: u64) -> usize {
    // ceil(bits / 7) for the significant bits (at least one), as a multiply and shift:
    // this is on every encoder's path for every field.
    let bits = 64 - (value | 1).leading_zeros() as usize;
    (bits * 9 + 64) / 64
}

/// Appends `value` as a minimal varint.
#[inline]
pub fn encode_varint(mut value: u64, out: &mut impl BufMut) {
    while value >= 0x80 {
        out.put_u8((value as u8) | 0x80);
        value >>= 7;
    }
    out.put_u8(value as u8);
}

/// Reads the varint at the start of `bytes`: its value and how many bytes it took.
///
/// As prost does, a varint may be written with more bytes than needed (up to ten), and a
/// tenth byte may only hold the 64th bit (0 or 1).
#[inline]
pub fn decode_varint(bytes: &[u8]) -> Result<(u64, usize), WireError> {
    decode_varint_at(bytes, 0)
}

/// [`decode_varint`] of `bytes`, with `at` the offset of `bytes` to report errors at.
#[inline(always)]
pub(crate) fn decode_varint_at(bytes: &[u8], at: usize) -> Result<(u64, usize), WireError> {
    // Keys, lengths and small numbers take one byte.
    match bytes.first() {
        Some(&byte) if byte < 0x80 => Ok((u64::from(byte), 1)),
        _ => decode_varint_slow(bytes, at),
    }
}

#[cold]
fn decode_varint_slow(bytes: &[u8], at: usize) -> Result<(u64, usize), WireError> {
    let mut value = 0u64;
    for (index, &byte) in bytes.iter().enumerate().take(10) {
        if index == 9 && byte > 1 {
            return Err(Inner::InvalidVarint(at).into());
        }
        value |= u64::from(byte & 0x7F) << (7 * index);
        if byte < 0x80 {
            return Ok((value, index + 1));
        }
    }
    Err(if bytes.len() >= 10 {
        Inner::InvalidVarint(at)
    } else {
        Inner::TruncatedVarint(at)
    }
    .into())
}

/// Whether the varint at the start of `bytes` is written with as few bytes as possible,
/// as every protobuf writer does: the only encoding that may be compared byte by byte.
pub(crate) fn is_minimal(encoded: &[u8]) -> bool {
    // A longer encoding ends in a zero byte: its last 7 bits add nothing.
    encoded.len() == 1 || encoded.last().is_some_and(|&byte| byte != 0)
}
