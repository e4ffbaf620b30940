//! The core against prost, case by case; `tests/wire_oracle.rs` compares them on random
//! inputs.

use prost::Message as _;

use super::*;
use crate::Address;

fn fields(bytes: &[u8]) -> Result<Vec<(u32, Value)>, WireError> {
    let mut reader = Reader::new(bytes);
    let mut out = vec![];
    while let Some(field) = reader.next_field()? {
        out.push(field);
    }
    Ok(out)
}

fn kind(bytes: &[u8]) -> WireErrorKind {
    fields(bytes).unwrap_err().kind()
}

#[test]
fn reads_every_wire_type() {
    let parsed = fields(&[
        0x08, 0x96, 0x01, 0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0x1A, 2, b'h', b'i', 0x25, 2, 0, 0, 0,
        0x2B, 0x08, 0x01, 0x2C,
    ])
    .unwrap();
    assert_eq!(
        parsed,
        vec![
            (1, Value::Varint(150)),
            (2, Value::Fixed64(1)),
            (3, Value::Bytes(14..16)),
            (4, Value::Fixed32(2)),
            (5, Value::Group(22..24)),
        ]
    );
}

#[test]
fn a_tenth_varint_byte_holds_only_the_64th_bit() {
    let mut max = vec![0x08];
    max.extend([0xFF; 9]);
    max.push(0x01);
    assert_eq!(fields(&max).unwrap(), vec![(1, Value::Varint(u64::MAX))]);
    let mut over = max.clone();
    *over.last_mut().unwrap() = 0x02;
    assert_eq!(kind(&over), WireErrorKind::InvalidVarint);
    assert!(Address::decode(&over[..]).is_err(), "prost rejects it too");
    let mut eleven = vec![0x08];
    eleven.extend([0x80; 10]);
    eleven.push(0x00);
    assert_eq!(kind(&eleven), WireErrorKind::InvalidVarint);
    assert_eq!(kind(&[0x08, 0x80]), WireErrorKind::TruncatedVarint);
}

#[test]
fn non_minimal_varints_are_valid() {
    assert_eq!(
        fields(&[0x88, 0x00, 0x81, 0x80, 0x00]).unwrap(),
        vec![(1, Value::Varint(1))]
    );
    assert_eq!(decode_varint(&[0x81, 0x00]).unwrap(), (1, 2));
}

#[test]
fn field_numbers_stop_at_2_pow_29_minus_1() {
    // The largest key: field 2^29 - 1, wire type 0.
    let largest = [0xF8, 0xFF, 0xFF, 0xFF, 0x0F, 0x00];
    assert_eq!(
        fields(&largest).unwrap(),
        vec![((1 << 29) - 1, Value::Varint(0))]
    );
    assert!(Address::decode(&largest[..]).is_ok());
    // Field 2^29: the key needs 33 bits.
    let over = [0x80, 0x80, 0x80, 0x80, 0x10, 0x00];
    assert_eq!(kind(&over), WireErrorKind::InvalidKey);
    assert!(Address::decode(&over[..]).is_err());
    assert_eq!(kind(&[0x00]), WireErrorKind::ZeroFieldNumber);
    assert_eq!(kind(&[0x0E]), WireErrorKind::InvalidWireType);
    assert_eq!(kind(&[0x0F]), WireErrorKind::InvalidWireType);
}

#[test]
fn groups_are_skipped_as_prost_skips_them() {
    // Field 5 group holding a varint, a string and a nested group 6, then field 1 = "a".
    let body = [
        0x2B, 0x08, 0x01, 0x12, 0x01, b'z', 0x33, 0x34, 0x2C, 0x0A, 0x01, b'a',
    ];
    let address = Address::decode(&body[..]).unwrap();
    assert_eq!(address.namespace, "a");
    let parts = read_address(Reader::new(&body)).unwrap();
    assert_eq!(parts.namespace, "a");
    for bad in [
        &[0x2B, 0x08, 0x01][..],   // never ends
        &[0x2B, 0x34],             // ends as another group
        &[0x2C],                   // ends without a start
        &[0x2B, 0x33, 0x2C, 0x34], // crossed
        &[0x0B, 0x0C],             // a known field as a group
    ] {
        assert!(Address::decode(bad).is_err(), "{bad:02x?}");
        assert!(read_address(Reader::new(bad)).is_err(), "{bad:02x?}");
    }
}

#[test]
fn nested_groups_meet_prosts_recursion_limit() {
    for depth in [97, 98, 99, 100, 101] {
        let mut body = vec![0x2B; depth];
        body.extend([0x08, 0x01]);
        body.extend(std::iter::repeat_n(0x2C, depth));
        assert_eq!(
            read_address(Reader::new(&body)).is_ok(),
            Address::decode(&body[..]).is_ok(),
            "{depth} nested groups"
        );
        // Empty groups inside: no field to check at the innermost level.
        let mut empty = vec![0x2B; depth];
        empty.extend(std::iter::repeat_n(0x2C, depth));
        assert_eq!(
            read_address(Reader::new(&empty)).is_ok(),
            Address::decode(&empty[..]).is_ok(),
            "{depth} nested empty groups"
        );
    }
}

#[test]
fn lengths_must_fit_their_message() {
    assert_eq!(kind(&[0x0A, 5, 1]), WireErrorKind::TruncatedField);
    assert_eq!(kind(&[0x09, 1, 2]), WireErrorKind::TruncatedField);
    assert_eq!(kind(&[0x0D, 1, 2]), WireErrorKind::TruncatedField);
    let huge = [
        0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
    ];
    assert_eq!(kind(&huge), WireErrorKind::TruncatedField);
    // A nested message may not reach past its own end.
    let buf = [0x0A, 2, 0x0A, 5, b'a', b'b', b'c'];
    let mut reader = Reader::new(&buf);
    let (_, value) = reader.next_field().unwrap().unwrap();
    let mut nested = reader.nested(value.bytes(1).unwrap());
    assert_eq!(
        nested.next_field().unwrap_err().kind(),
        WireErrorKind::TruncatedField
    );
}

#[test]
fn addresses_read_as_prost_reads_them() {
    let cases: [&[u8]; 6] = [
        b"\x0a\x01g\x12\x07counter\x1a\x01x",
        b"\x0a\x81\x00g\x12\x87\x00counter\x1a\x81\x80\x00x",
        b"\x1a\x01x\x0a\x01h\x0a\x01g\x12\x07counter",
        b"\x0a\x00\x12\x01t\x20\x07\x2b\x2c",
        b"\x0a\x01\xff",
        b"\x10\x01",
    ];
    for bytes in cases {
        let ours = read_address(Reader::new(bytes));
        match Address::decode(bytes) {
            Ok(theirs) => assert_eq!(ours.unwrap(), AddressParts::from(&theirs), "{bytes:02x?}"),
            Err(_) => assert!(ours.is_err(), "{bytes:02x?}"),
        }
    }
}

#[test]
fn the_canonical_encoding_is_prosts_and_only_it() {
    let long = "x".repeat(300);
    for address in [
        Address::new("g", "counter", "x"),
        Address::new("ns", "fn", ""),
        Address::new("", "", ""),
        Address::new("ü", "t", long.as_str()),
    ] {
        let parts = AddressParts::from(&address);
        let mut encoded = Vec::new();
        parts.encode(&mut encoded);
        assert_eq!(encoded, address.encode_to_vec());
        assert_eq!(encoded.len(), parts.encoded_len());
        assert!(is_canonical_address(&encoded));
        let [namespace, r#type, id] = canonical_address_parts(&encoded).unwrap();
        assert_eq!(
            (namespace, r#type, id),
            (
                address.namespace.as_bytes(),
                address.r#type.as_bytes(),
                address.id.as_bytes()
            )
        );
    }
    for odd in [
        // Non-minimal length, out of order, repeated, empty, unknown, truncated, not UTF-8.
        &b"\x0a\x81\x00g\x12\x07counter\x1a\x01x"[..],
        b"\x12\x01b\x0a\x01a",
        b"\x0a\x01a\x0a\x01a",
        b"\x0a\x00",
        b"\x0a\x01a\x20\x01",
        b"\x0a\x02a",
        b"\x0a\x01\xff",
    ] {
        assert!(!is_canonical_address(odd), "{odd:02x?}");
    }
    assert!(canonical_address_parts(b"\x0a\x02a").is_none(), "truncated");
    assert!(canonical_address_parts(b"\x20\x01").is_none(), "not a part");
}

#[test]
fn varint_lengths_and_encoding() {
    for value in [
        0,
        1,
        127,
        128,
        16_383,
        16_384,
        u64::from(u32::MAX),
        u64::MAX,
    ] {
        let mut out = Vec::new();
        encode_varint(value, &mut out);
        assert_eq!(out.len(), encoded_len_varint(value), "{value}");
        assert_eq!(decode_varint(&out).unwrap(), (value, out.len()));
    }
    assert_eq!(key(100, WireType::LengthDelimited), 802);
}

#[test]
fn errors_name_the_place_and_tell_their_kind() {
    let error = fields(&[0x0A, 5, 1]).unwrap_err();
    assert_eq!(error.kind(), WireErrorKind::TruncatedField);
    assert_eq!(
        error.to_string(),
        "field 1 claims 5 bytes at byte 2, but only 1 remain"
    );
    let wrong = Value::Varint(1).bytes(3).unwrap_err();
    assert_eq!(wrong.kind(), WireErrorKind::WrongWireType);
    assert_eq!(
        wrong.to_string(),
        "field 3 has wire type varint, expected length-delimited"
    );
}
