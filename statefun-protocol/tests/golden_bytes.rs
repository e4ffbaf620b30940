//! Byte-for-byte encodings that other StateFun SDKs and the runtime rely on.

use bytes::Bytes;
use prost::Message;
use statefun_protocol::from_function::expiration_spec::ExpireMode;
use statefun_protocol::from_function::persisted_value_mutation::MutationType;
use statefun_protocol::from_function::{
    ExpirationSpec, IncompleteInvocationContext, InvocationResponse, PersistedValueMutation,
    PersistedValueSpec, Response,
};
use statefun_protocol::types::{
    BooleanWrapper, DoubleWrapper, FloatWrapper, IntWrapper, LongWrapper, StringWrapper,
};
use statefun_protocol::{FromFunction, TypedValue, typename};

fn hex(message: &impl Message) -> Vec<u8> {
    message.encode_to_vec()
}

#[test]
fn int_wrapper_is_sfixed32() {
    assert_eq!(hex(&IntWrapper { value: 5 }), [0x0D, 5, 0, 0, 0]);
    assert_eq!(
        hex(&IntWrapper { value: -1 }),
        [0x0D, 0xFF, 0xFF, 0xFF, 0xFF]
    );
    assert_eq!(hex(&IntWrapper { value: 0 }), [] as [u8; 0]);
}

#[test]
fn long_wrapper_is_sfixed64() {
    assert_eq!(
        hex(&LongWrapper { value: 5 }),
        [0x09, 5, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(hex(&LongWrapper { value: 0 }), [] as [u8; 0]);
}

#[test]
fn bool_wrapper_true_is_08_01_and_false_is_empty() {
    assert_eq!(hex(&BooleanWrapper { value: true }), [0x08, 0x01]);
    assert_eq!(hex(&BooleanWrapper { value: false }), [] as [u8; 0]);
}

#[test]
fn float_and_double_wrappers_are_little_endian_ieee() {
    assert_eq!(
        hex(&FloatWrapper { value: 1.5 }),
        [0x0D, 0x00, 0x00, 0xC0, 0x3F]
    );
    assert_eq!(hex(&FloatWrapper { value: 0.0 }), [] as [u8; 0]);
    assert_eq!(
        hex(&DoubleWrapper { value: 1.5 }),
        [0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F]
    );
    assert_eq!(hex(&DoubleWrapper { value: 0.0 }), [] as [u8; 0]);
}

#[test]
fn string_wrapper_is_length_delimited_utf8() {
    assert_eq!(
        hex(&StringWrapper { value: "hi".into() }),
        [0x0A, 0x02, b'h', b'i']
    );
    assert_eq!(
        hex(&StringWrapper {
            value: String::new()
        }),
        [] as [u8; 0]
    );
}

#[test]
fn explicit_default_encodings_decode_to_defaults() {
    assert_eq!(
        IntWrapper::decode(&[0x0D, 0, 0, 0, 0][..]).unwrap().value,
        0
    );
    assert!(!BooleanWrapper::decode(&[0x08, 0x00][..]).unwrap().value);
}

#[test]
fn incomplete_invocation_context_matches_the_reference_bytes() {
    let message = FromFunction {
        response: Some(Response::IncompleteInvocationContext(
            IncompleteInvocationContext {
                missing_values: vec![PersistedValueSpec {
                    state_name: "seen".into(),
                    expiration_spec: Some(ExpirationSpec {
                        mode: ExpireMode::None as i32,
                        expire_after_millis: 0,
                    }),
                    type_typename: typename::INT.into(),
                }],
            },
        )),
    };
    let mut expected = vec![0xAA, 0x06, 0x21, 0x0A, 0x1F, 0x0A, 0x04];
    expected.extend_from_slice(b"seen");
    expected.extend_from_slice(&[0x12, 0x00, 0x1A, 0x15]);
    expected.extend_from_slice(b"io.statefun.types/int");
    assert_eq!(hex(&message), expected);
}

#[test]
fn state_mutation_matches_the_reference_bytes() {
    let message = FromFunction {
        response: Some(Response::InvocationResult(InvocationResponse {
            state_mutations: vec![PersistedValueMutation {
                mutation_type: MutationType::Modify as i32,
                state_name: "seen".into(),
                state_value: Some(TypedValue::new(
                    typename::INT,
                    Bytes::from_static(&[0x0D, 1, 0, 0, 0]),
                )),
            }],
            ..Default::default()
        })),
    };
    let mut expected = vec![0xA2, 0x06, 0x2C, 0x0A, 0x2A, 0x08, 0x01, 0x12, 0x04];
    expected.extend_from_slice(b"seen");
    expected.extend_from_slice(&[0x1A, 0x20, 0x0A, 0x15]);
    expected.extend_from_slice(b"io.statefun.types/int");
    expected.extend_from_slice(&[0x10, 0x01, 0x1A, 0x05, 0x0D, 0x01, 0x00, 0x00, 0x00]);
    assert_eq!(hex(&message), expected);
}

#[test]
fn empty_invocation_result_is_a2_06_00() {
    let message = FromFunction {
        response: Some(Response::InvocationResult(InvocationResponse::default())),
    };
    assert_eq!(hex(&message), [0xA2, 0x06, 0x00]);
}
