//! The wire core against prost on random bytes: an `Address` read with the core is what
//! prost decodes, and each rejects what the other rejects.

use proptest::prelude::*;
use prost::Message as _;
use statefun_protocol::Address;
use statefun_protocol::wire::{AddressParts, Reader, is_canonical_address, read_address};

/// Bytes that look like protobuf: mostly keys of fields 1 to 5 of every wire type, small
/// lengths and a few text bytes, so that most inputs get past the first field.
fn wireish() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => (1u8..6, 0u8..8).prop_map(|(field, wire)| (field << 3) | wire),
        3 => 0u8..8,
        2 => Just(b'a'),
        1 => any::<u8>(),
        1 => Just(0x80),
        1 => Just(0xFF),
    ];
    prop::collection::vec(byte, 0..40)
}

fn check(bytes: &[u8]) {
    let ours = read_address(Reader::new(bytes));
    match Address::decode(bytes) {
        Ok(theirs) => {
            assert_eq!(
                ours.as_ref().ok(),
                Some(&AddressParts::from(&theirs)),
                "{bytes:02x?}"
            );
            let mut canonical = Vec::new();
            AddressParts::from(&theirs).encode(&mut canonical);
            assert_eq!(canonical, theirs.encode_to_vec());
            assert!(is_canonical_address(&canonical));
            assert_eq!(
                is_canonical_address(bytes),
                bytes == canonical.as_slice(),
                "{bytes:02x?}"
            );
        }
        Err(error) => {
            assert!(
                ours.is_err(),
                "prost rejects {bytes:02x?} ({error}), the core read {ours:?}"
            );
            assert!(!is_canonical_address(bytes));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn addresses_agree_with_prost(bytes in wireish()) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_bytes_agree_with_prost(bytes in prop::collection::vec(any::<u8>(), 0..24)) {
        check(&bytes);
    }
}
