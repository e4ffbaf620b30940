//! The scan against prost: every body reads the same both ways, or fails both ways.

use super::*;
use statefun_protocol::Address;
use statefun_protocol::from_function::{Invocation, PersistedValueSpec, persisted_value_mutation};

use super::oracle::from_function_reads_as_prost;

/// Whether the scan took `body` itself rather than leaving it to prost.
fn scanned(body: &[u8]) -> bool {
    scan(body).is_some()
}

fn same(body: &[u8]) {
    if let Err(problem) = from_function_reads_as_prost(body) {
        panic!("{problem}");
    }
}

fn response(response: InvocationResponse) -> Vec<u8> {
    FromFunction {
        response: Some(Response::InvocationResult(response)),
    }
    .encode_to_vec()
}

fn message(target: Option<Address>, argument: Option<TypedValue>) -> Invocation {
    Invocation { target, argument }
}

#[test]
fn what_prost_writes_is_scanned_and_read_alike() {
    let bob = Address::new("example", "greeter", "bob");
    let values = [
        Some(TypedValue::new(
            "io.statefun.types/int",
            Bytes::from_static(&[0x08, 7]),
        )),
        Some(TypedValue::new("io.statefun.types/int", Bytes::new())),
        Some(TypedValue::absent("t/x")),
        Some(TypedValue::default()),
        None,
    ];
    let mut bodies = vec![
        FromFunction { response: None }.encode_to_vec(),
        response(InvocationResponse::default()),
        response(InvocationResponse {
            state_mutations: vec![PersistedValueMutation {
                mutation_type: persisted_value_mutation::MutationType::Modify as i32,
                state_name: "seen".into(),
                state_value: values[0].clone(),
            }],
            outgoing_messages: vec![message(Some(bob.clone()), values[0].clone())],
            delayed_invocations: vec![DelayedInvocation {
                delay_in_ms: 5,
                target: Some(bob.clone()),
                argument: values[1].clone(),
                ..Default::default()
            }],
            outgoing_egresses: vec![EgressMessage {
                egress_namespace: "example".into(),
                egress_type: "out".into(),
                argument: values[2].clone(),
            }],
        }),
    ];
    for value in &values {
        for target in [None, Some(bob.clone()), Some(Address::new("ü", "", "🚀/x"))] {
            bodies.push(response(InvocationResponse {
                outgoing_messages: vec![
                    message(target.clone(), value.clone()),
                    message(Some(bob.clone()), values[0].clone()),
                ],
                ..Default::default()
            }));
        }
    }
    for body in &bodies {
        assert!(scanned(body), "{body:02x?}");
        same(body);
    }
    let incomplete = FromFunction {
        response: Some(Response::IncompleteInvocationContext(
            IncompleteInvocationContext {
                missing_values: vec![PersistedValueSpec {
                    state_name: "seen".into(),
                    ..Default::default()
                }],
            },
        )),
    }
    .encode_to_vec();
    assert!(!scanned(&incomplete));
    same(&incomplete);
}

/// Wraps `message` (an encoded outgoing `Invocation`) in a `FromFunction`.
fn with_message(message: &[u8]) -> Vec<u8> {
    let mut response = vec![0x12, message.len() as u8];
    response.extend_from_slice(message);
    let mut body = vec![0xA2, 0x06, response.len() as u8];
    body.extend_from_slice(&response);
    body
}

#[test]
fn odd_encodings_read_as_prost_reads_them() {
    // Address { namespace: "a", type: "b", id: "c" }, and TypedValue { typename: "t/x", has_value }.
    let address = [0x0A, 1, b'a', 0x12, 1, b'b', 0x1A, 1, b'c'];
    let value = [0x0A, 3, b't', b'/', b'x', 0x10, 1];
    let field = |key: u8, bytes: &[u8]| {
        let mut out = vec![key, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    };
    let target = field(0x0A, &address);
    let argument = field(0x12, &value);
    let cases: Vec<(Vec<u8>, bool)> = vec![
        // The usual, then its parts in the other order: both scanned.
        (
            with_message(&[target.clone(), argument.clone()].concat()),
            true,
        ),
        (
            with_message(&[argument.clone(), target.clone()].concat()),
            true,
        ),
        // An address part sent twice is its last occurrence; unknown fields are skipped.
        (
            with_message(
                &[
                    field(0x0A, &[&address[..], &[0x1A, 1, b'd'], &[0x20, 5]].concat()),
                    argument.clone(),
                ]
                .concat(),
            ),
            true,
        ),
        (
            with_message(&[target.clone(), argument.clone(), vec![0x1D, 0, 0, 0, 0]].concat()),
            true,
        ),
        // A typename sent twice and has_value 2 are read alike by every reader.
        (
            with_message(
                &[
                    target.clone(),
                    field(0x12, &[&value[..], &[0x0A, 1, b'y', 0x10, 2]].concat()),
                ]
                .concat(),
            ),
            true,
        ),
        // An unknown field in the argument, the argument or target twice, the response
        // twice: left to prost, which drops or merges.
        (
            with_message(
                &[
                    target.clone(),
                    field(0x12, &[&value[..], &[0x20, 1]].concat()),
                ]
                .concat(),
            ),
            false,
        ),
        (
            with_message(&[target.clone(), argument.clone(), argument.clone()].concat()),
            false,
        ),
        (
            with_message(&[target.clone(), target.clone(), argument.clone()].concat()),
            false,
        ),
        (
            [
                with_message(&[target.clone(), argument.clone()].concat()),
                with_message(&argument),
            ]
            .concat(),
            false,
        ),
        // A group in an unknown field is skipped, by the scan too.
        (
            with_message(&[target.clone(), vec![0x1B, 0x08, 1, 0x1C], argument.clone()].concat()),
            true,
        ),
        // A group where a known field is, one never ended, one ended twice; a tenth varint
        // byte above 1 and a key above 32 bits in unknown fields; a bad wire type, invalid
        // UTF-8, a truncated body, a zero tag: prost's errors.
        (
            with_message(&[vec![0x0B, 0x0C], argument.clone()].concat()),
            false,
        ),
        (with_message(&[target.clone(), vec![0x1B]].concat()), false),
        (
            with_message(&[target.clone(), vec![0x1B, 0x1C, 0x1C]].concat()),
            false,
        ),
        (
            with_message(&[target.clone(), vec![0x20], vec![0xFF; 9], vec![0x02]].concat()),
            false,
        ),
        (
            with_message(&[target.clone(), vec![0x80, 0x80, 0x80, 0x80, 0x10, 0x00]].concat()),
            false,
        ),
        (
            with_message(&[vec![0x08, 1], argument.clone()].concat()),
            false,
        ),
        (
            with_message(&[field(0x0A, &[0x0A, 1, 0xFF]), argument.clone()].concat()),
            false,
        ),
        (
            with_message(&[field(0x0A, &address), field(0x12, &[0x0A, 2, 0xC3, 0x28])].concat()),
            false,
        ),
        (with_message(&target)[..8].to_vec(), false),
        (vec![0x00, 0x01], false),
        (vec![0xFF; 11], false),
    ];
    for (body, fast) in cases {
        assert_eq!(scanned(&body), fast, "{body:02x?}");
        same(&body);
    }
}

#[test]
fn an_address_however_encoded_is_one_key() {
    let canonical = AddressKey::from(&Address::new("a", "b", "c"));
    for encoded in [
        vec![0x0A, 1, b'a', 0x12, 1, b'b', 0x1A, 1, b'c'],
        vec![0x1A, 1, b'c', 0x12, 1, b'b', 0x0A, 1, b'a'],
        vec![
            0x0A, 1, b'x', 0x12, 1, b'b', 0x1A, 1, b'c', 0x0A, 1, b'a', 0x20, 7,
        ],
        // Lengths in more bytes than needed, and a group among the fields.
        vec![
            0x0A, 0x81, 0x00, b'a', 0x12, 0x81, 0x80, 0x00, b'b', 0x1A, 1, b'c',
        ],
        vec![
            0x0A, 1, b'a', 0x2B, 0x08, 1, 0x2C, 0x12, 1, b'b', 0x1A, 1, b'c',
        ],
    ] {
        assert_eq!(
            read_address(&encoded, Reader::new(&encoded)),
            Some(canonical.clone()),
            "{encoded:02x?}"
        );
    }
}

#[test]
fn groups_nested_near_prosts_limit_in_a_mutation_read_as_prost_reads_them() {
    for depth in 94..=100 {
        // A MODIFY mutation of `seen`, then an unknown field 5 holding `depth` nested
        // groups around a varint.
        let mut mutation = vec![0x08, 0x01, 0x12, 0x04, b's', b'e', b'e', b'n'];
        mutation.extend(std::iter::repeat_n(0x2B, depth));
        mutation.extend([0x08, 0x01]);
        mutation.extend(std::iter::repeat_n(0x2C, depth));
        let mut response = vec![0x0A];
        wire::encode_varint(mutation.len() as u64, &mut response);
        response.extend(&mutation);
        let mut body = vec![0xA2, 0x06];
        wire::encode_varint(response.len() as u64, &mut body);
        body.extend(&response);
        same(&body);
    }
}
