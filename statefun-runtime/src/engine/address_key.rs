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
use statefun_protocol::wire::{canonical_address_parts, is_canonical_address};

pub(crate) use statefun_protocol::wire::AddressParts;

/// An address by its canonical encoding.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct AddressKey(Arc<[u8]>);

impl AddressKey {
    pub fn new(parts: AddressParts<'_>) -> Self {
        let mut encoded = Vec::with_capacity(parts.encoded_len());
        parts.encode(&mut encoded);
        Self(encoded.into())
    }

    /// The key of an address whose encoding is already canonical, see
    /// [`is_canonical`](Self::is_canonical).
    pub fn from_canonical(encoded: &[u8]) -> Self {
        debug_assert!(Self::is_canonical(encoded));
        Self(encoded.into())
    }

    /// Whether `encoded` is an `Address` as [`new`](Self::new) would write it: valid UTF-8
    /// parts, each field at most once, non-empty, in field order, with minimal lengths,
    /// nothing else. Only then is it its own key: `0a 81 00 67` is the namespace `g` too.
    pub fn is_canonical(encoded: &[u8]) -> bool {
        is_canonical_address(encoded)
    }

    /// The encoding, to copy into a request.
    pub fn encoded(&self) -> &[u8] {
        &self.0
    }

    /// The namespace, type and id, as bytes.
    pub fn parts_bytes(&self) -> [&[u8]; 3] {
        canonical_address_parts(&self.0).expect("a canonical encoding")
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
            // A length written with two bytes where one does.
            vec![0x0A, 0x81, 0x00, b'a'],
        ] {
            assert!(!AddressKey::is_canonical(&odd), "{odd:02x?}");
        }
    }
}
