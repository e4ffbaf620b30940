//! The canonical encoding of an `Address`: the one byte string for each address, so that
//! addresses can be compared, hashed and keyed by their bytes.
//!
//! Protobuf allows many encodings of one `Address`: fields in any order, repeated (the
//! last wins), left empty or left out, unknown fields between them, lengths written with
//! more varint bytes than needed. The canonical one is what prost writes: the non-empty
//! fields once each, in field order, with minimal lengths.

use bytes::BufMut;

use super::reader::{Reader, WireType, key};
use super::varint::{decode_varint, encode_varint, encoded_len_varint, is_minimal};
use super::{WireError, is_utf8};
use crate::Address;

/// An address's namespace, function type name and id, borrowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AddressParts<'a> {
    /// The function type's namespace (field 1).
    pub namespace: &'a str,
    /// The function type's name (field 2).
    pub r#type: &'a str,
    /// The function's id (field 3).
    pub id: &'a str,
}

impl<'a> From<&'a Address> for AddressParts<'a> {
    fn from(address: &'a Address) -> Self {
        AddressParts {
            namespace: &address.namespace,
            r#type: &address.r#type,
            id: &address.id,
        }
    }
}

impl AddressParts<'_> {
    fn fields(&self) -> [(u32, &str); 3] {
        [(1, self.namespace), (2, self.r#type), (3, self.id)]
    }

    /// The length of the canonical encoding.
    pub fn encoded_len(&self) -> usize {
        self.fields()
            .iter()
            .filter(|(_, part)| !part.is_empty())
            .map(|(_, part)| 1 + encoded_len_varint(part.len() as u64) + part.len())
            .sum()
    }

    /// Appends the canonical encoding to `out`.
    ///
    /// ```
    /// use statefun_protocol::wire::AddressParts;
    ///
    /// let parts = AddressParts { namespace: "g", r#type: "counter", id: "x" };
    /// let mut out = Vec::new();
    /// parts.encode(&mut out);
    /// assert_eq!(out, b"\x0a\x01g\x12\x07counter\x1a\x01x");
    /// assert_eq!(out.len(), parts.encoded_len());
    /// ```
    pub fn encode(&self, out: &mut impl BufMut) {
        for (field, part) in self.fields() {
            if !part.is_empty() {
                encode_varint(key(field, WireType::LengthDelimited), out);
                encode_varint(part.len() as u64, out);
                out.put_slice(part.as_bytes());
            }
        }
    }
}

/// Reads an `Address` message as prost does (a field sent twice is its last occurrence,
/// unknown fields are skipped, the three strings must be UTF-8).
///
/// ```
/// use statefun_protocol::wire::{AddressParts, Reader, read_address};
///
/// // The namespace's length written as two bytes (0x81 0x00), then an unknown field.
/// let odd = [0x0a, 0x81, 0x00, b'g', 0x12, 1, b't', 0x20, 7];
/// let parts = read_address(Reader::new(&odd)).unwrap();
/// assert_eq!(parts, AddressParts { namespace: "g", r#type: "t", id: "" });
/// ```
pub fn read_address(mut reader: Reader<'_>) -> Result<AddressParts<'_>, WireError> {
    let mut parts = AddressParts::default();
    while let Some((number, value)) = reader.next_field()? {
        let slot = match number {
            1 => &mut parts.namespace,
            2 => &mut parts.r#type,
            3 => &mut parts.id,
            _ => continue,
        };
        *slot = reader.str(value.bytes(number)?, ADDRESS_FIELDS[number as usize - 1])?;
    }
    Ok(parts)
}

const ADDRESS_FIELDS: [&str; 3] = ["namespace", "type", "id"];

/// Whether `encoded` is the canonical encoding of an `Address` (see the module docs):
/// then it can be used as a key as it is.
///
/// ```
/// use statefun_protocol::wire::is_canonical_address;
///
/// assert!(is_canonical_address(b"\x0a\x01g\x12\x07counter\x1a\x01x"));
/// assert!(!is_canonical_address(b"\x0a\x81\x00g\x12\x07counter\x1a\x01x"));
/// ```
pub fn is_canonical_address(encoded: &[u8]) -> bool {
    let mut rest = encoded;
    let mut last_field = 0;
    while let [key, tail @ ..] = rest {
        let field = key >> 3;
        if key & 7 != 2 || field <= last_field || field > 3 {
            return false;
        }
        let Ok((len, len_bytes)) = decode_varint(tail) else {
            return false;
        };
        if !is_minimal(&tail[..len_bytes]) {
            return false;
        }
        let tail = &tail[len_bytes..];
        let Some(part) = usize::try_from(len).ok().and_then(|len| tail.get(..len)) else {
            return false;
        };
        if part.is_empty() || !is_utf8(part) {
            return false;
        }
        last_field = field;
        rest = &tail[part.len()..];
    }
    true
}

/// The namespace, type and id of an encoding known to be canonical (one that
/// [`AddressParts::encode`] wrote or [`is_canonical_address`] accepted), as bytes. Only
/// the structure is checked, not the rest of what makes it canonical: `None` if the
/// fields are not length-delimited fields 1 to 3 within `encoded`.
///
/// ```
/// use statefun_protocol::wire::canonical_address_parts;
///
/// let parts = canonical_address_parts(b"\x0a\x01g\x1a\x01x").unwrap();
/// assert_eq!(parts, [&b"g"[..], b"", b"x"]);
/// ```
#[inline]
pub fn canonical_address_parts(encoded: &[u8]) -> Option<[&[u8]; 3]> {
    let mut parts: [&[u8]; 3] = [&[], &[], &[]];
    let mut rest = encoded;
    while let [key, tail @ ..] = rest {
        let slot = parts.get_mut(usize::from(key >> 3).wrapping_sub(1))?;
        if key & 7 != 2 {
            return None;
        }
        let (len, tail) = short_len(tail)?;
        *slot = tail.get(..len)?;
        rest = &tail[len..];
    }
    Some(parts)
}

/// A length of at most five varint bytes (any address part fits in 32 bits), for
/// walking an encoding known to be canonical.
#[inline(always)]
fn short_len(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut len = 0usize;
    for (index, &byte) in bytes.iter().enumerate().take(5) {
        len |= usize::from(byte & 0x7F) << (7 * index);
        if byte < 0x80 {
            return Some((len, &bytes[index + 1..]));
        }
    }
    None
}
