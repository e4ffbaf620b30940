//! Addresses as the engine keeps them: their protobuf encoding in one shared allocation.
//!
//! An `Address` is three strings (three allocations, four behind an `Arc`) that the
//! engine hashed part by part and encoded again into every request it appeared in, as the
//! target or as the caller. The canonical encoding (the three fields in order, empty ones
//! left out, as prost writes them) is one allocation, hashes in one pass, is copied as it
//! is into requests, and two addresses are equal exactly when their encodings are.

use std::fmt;
use std::sync::Arc;

use statefun_protocol::Address;

use super::encode;

/// An address's parts, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AddressParts<'a> {
    pub namespace: &'a str,
    pub r#type: &'a str,
    pub id: &'a str,
}

impl<'a> From<&'a Address> for AddressParts<'a> {
    fn from(address: &'a Address) -> Self {
        Self {
            namespace: &address.namespace,
            r#type: &address.r#type,
            id: &address.id,
        }
    }
}

/// An address by its canonical encoding.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct AddressKey(Arc<[u8]>);

impl AddressKey {
    pub fn new(parts: AddressParts<'_>) -> Self {
        let mut encoded = Vec::with_capacity(encode::address_len(parts));
        encode::put_address(&mut encoded, parts);
        Self(encoded.into())
    }

    /// The key of an address whose encoding is already canonical, see
    /// [`is_canonical`](Self::is_canonical).
    pub fn from_canonical(encoded: &[u8]) -> Self {
        debug_assert!(Self::is_canonical(encoded));
        Self(encoded.into())
    }

    /// Whether `encoded` is an `Address` as [`new`](Self::new) would write it: valid UTF-8
    /// parts, each field at most once, non-empty, in field order, nothing else.
    pub fn is_canonical(encoded: &[u8]) -> bool {
        let mut rest = encoded;
        let mut last_field = 0;
        while let [key, tail @ ..] = rest {
            let field = key >> 3;
            if key & 7 != 2 || field <= last_field || field > 3 {
                return false;
            }
            let Some((len, tail)) = read_len(tail) else {
                return false;
            };
            let Some(part) = tail.get(..len) else {
                return false;
            };
            if part.is_empty() || !is_utf8(part) {
                return false;
            }
            last_field = field;
            rest = &tail[len..];
        }
        true
    }

    /// The encoding, to copy into a request.
    pub fn encoded(&self) -> &[u8] {
        &self.0
    }

    /// The namespace, type and id, as bytes.
    pub fn parts_bytes(&self) -> [&[u8]; 3] {
        let mut parts: [&[u8]; 3] = [&[], &[], &[]];
        let mut rest = &self.0[..];
        while let [key, tail @ ..] = rest {
            let (len, tail) = read_len(tail).expect("a canonical encoding");
            parts[usize::from(key >> 3) - 1] = &tail[..len];
            rest = &tail[len..];
        }
        parts
    }

    /// The function type's name, as bytes.
    pub fn type_bytes(&self) -> &[u8] {
        self.parts_bytes()[1]
    }

    pub fn parts(&self) -> AddressParts<'_> {
        let [namespace, r#type, id] = self
            .parts_bytes()
            .map(|part| std::str::from_utf8(part).expect("checked UTF-8"));
        AddressParts {
            namespace,
            r#type,
            id,
        }
    }

    pub fn to_address(&self) -> Address {
        let parts = self.parts();
        Address::new(parts.namespace, parts.r#type, parts.id)
    }
}

impl From<&Address> for AddressKey {
    fn from(address: &Address) -> Self {
        Self::new(address.into())
    }
}

impl fmt::Debug for AddressKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = self.parts();
        write!(f, "{}/{}/{}", parts.namespace, parts.r#type, parts.id)
    }
}

/// Whether `bytes` are UTF-8; the ASCII addresses and typenames usually are, which is
/// quicker to see.
pub(crate) fn is_utf8(bytes: &[u8]) -> bool {
    bytes.is_ascii() || std::str::from_utf8(bytes).is_ok()
}

/// A length prefix.
fn read_len(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut len = 0usize;
    for (index, &byte) in bytes.iter().enumerate().take(5) {
        len |= usize::from(byte & 0x7F) << (7 * index);
        if byte < 0x80 {
            return Some((len, &bytes[index + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn keys_are_prosts_encoding_and_give_the_address_back() {
        let long = "x".repeat(300);
        for address in [
            Address::new("example", "greeter", "bob"),
            Address::new("ns", "fn", ""),
            Address::new("", "", ""),
            Address::new("ü", "t", long.as_str()),
        ] {
            let key = AddressKey::from(&address);
            assert_eq!(key.encoded(), address.encode_to_vec());
            assert!(AddressKey::is_canonical(key.encoded()));
            assert_eq!(key.to_address(), address);
            assert_eq!(key.type_bytes(), address.r#type.as_bytes());
            assert_eq!(AddressKey::from_canonical(key.encoded()), key);
        }
    }

    #[test]
    fn only_prosts_own_encoding_is_canonical() {
        let canonical = Address::new("a", "b", "c").encode_to_vec();
        assert!(AddressKey::is_canonical(&canonical));
        for odd in [
            // Out of order, repeated, empty, unknown, truncated, not UTF-8.
            vec![0x12, 1, b'b', 0x0A, 1, b'a'],
            vec![0x0A, 1, b'a', 0x0A, 1, b'a'],
            vec![0x0A, 0],
            vec![0x0A, 1, b'a', 0x20, 1],
            vec![0x0A, 2, b'a'],
            vec![0x0A, 1, 0xFF],
        ] {
            assert!(!AddressKey::is_canonical(&odd), "{odd:02x?}");
        }
    }
}
