//! The protobuf encoding of what the runtime sends, written by hand.
//!
//! A `ToFunction` is assembled from parts straight into one buffer of its exact size:
//! the target address, the state values as stored (no clone into prost structs) and the
//! invocations, which the engine keeps encoded from the moment they are queued. The bytes
//! are those prost writes for the same message (fields in tag order, defaults left out),
//! which the tests check.

use statefun_protocol::TypedValue;

/// `ToFunction.request` (field 100, a message): the key takes two bytes.
const TO_FUNCTION_INVOCATION: [u8; 2] = [0xA2, 0x06];
/// Keys of length-delimited fields 1, 2 and 3.
const FIELD_1: u8 = 0x0A;
const FIELD_2: u8 = 0x12;
const FIELD_3: u8 = 0x1A;
/// `TypedValue.has_value` (field 2, a varint).
const HAS_VALUE: u8 = 0x10;

/// How many bytes `value` takes as a varint.
pub(crate) fn varint_len(value: usize) -> usize {
    if value < 0x80 {
        return 1;
    }
    let bits = usize::BITS - (value | 1).leading_zeros();
    bits.div_ceil(7) as usize
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: usize) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A length-delimited field of `len` bytes (with a one-byte key), key and length included.
fn field_len(len: usize) -> usize {
    1 + varint_len(len) + len
}

fn put_bytes_field(out: &mut Vec<u8>, key: u8, bytes: &[u8]) {
    out.push(key);
    put_varint(out, bytes.len());
    out.extend_from_slice(bytes);
}

/// A string or bytes field, left out when empty as proto3 does.
fn optional_len(bytes: &[u8]) -> usize {
    if bytes.is_empty() {
        0
    } else {
        field_len(bytes.len())
    }
}

fn put_optional(out: &mut Vec<u8>, key: u8, bytes: &[u8]) {
    if !bytes.is_empty() {
        put_bytes_field(out, key, bytes);
    }
}

/// A `TypedValue` by its parts, so stored state needs no `TypedValue` of its own.
#[derive(Clone, Copy)]
pub(crate) struct ValueRef<'a> {
    pub typename: &'a str,
    pub has_value: bool,
    pub value: &'a [u8],
}

impl<'a> From<&'a TypedValue> for ValueRef<'a> {
    fn from(value: &'a TypedValue) -> Self {
        Self {
            typename: &value.typename,
            has_value: value.has_value,
            value: &value.value,
        }
    }
}

impl ValueRef<'_> {
    fn len(self) -> usize {
        optional_len(self.typename.as_bytes())
            + if self.has_value { 2 } else { 0 }
            + optional_len(self.value)
    }

    fn put(self, out: &mut Vec<u8>) {
        put_optional(out, FIELD_1, self.typename.as_bytes());
        if self.has_value {
            out.extend_from_slice(&[HAS_VALUE, 1]);
        }
        put_optional(out, FIELD_3, self.value);
    }
}

/// A `TypedValue` to write: by its parts, or an encoding to copy as it is.
#[derive(Clone, Copy)]
pub(crate) enum Payload<'a> {
    Value(ValueRef<'a>),
    Encoded(&'a [u8]),
}

impl<'a> From<&'a TypedValue> for Payload<'a> {
    fn from(value: &'a TypedValue) -> Self {
        Self::Value(value.into())
    }
}

impl Payload<'_> {
    fn len(self) -> usize {
        match self {
            Self::Value(value) => value.len(),
            Self::Encoded(bytes) => bytes.len(),
        }
    }

    fn put(self, out: &mut Vec<u8>) {
        match self {
            Self::Value(value) => value.put(out),
            Self::Encoded(bytes) => out.extend_from_slice(bytes),
        }
    }
}

/// One `ToFunction.Invocation` as an entry of `InvocationBatchRequest.invocations`: the
/// engine queues invocations in this form, so a batch is a run of entries.
pub(crate) struct InvocationEntry<'a> {
    /// The caller's `Address`, encoded.
    pub caller: Option<&'a [u8]>,
    pub argument: Payload<'a>,
}

impl InvocationEntry<'_> {
    fn body_len(&self) -> usize {
        self.caller.map_or(0, |caller| field_len(caller.len())) + field_len(self.argument.len())
    }

    pub fn put(&self, out: &mut Vec<u8>) {
        out.push(FIELD_3);
        put_varint(out, self.body_len());
        if let Some(caller) = self.caller {
            put_bytes_field(out, FIELD_1, caller);
        }
        out.push(FIELD_2);
        put_varint(out, self.argument.len());
        self.argument.put(out);
    }
}

/// One `ToFunction.PersistedValue` as an entry of `InvocationBatchRequest.state`.
pub(crate) fn put_state(out: &mut Vec<u8>, name: &str, value: Option<ValueRef<'_>>) {
    let value_len = value.map_or(0, |value| field_len(value.len()));
    out.push(FIELD_2);
    put_varint(out, optional_len(name.as_bytes()) + value_len);
    put_optional(out, FIELD_1, name.as_bytes());
    if let Some(value) = value {
        out.push(FIELD_2);
        put_varint(out, value.len());
        value.put(out);
    }
}

/// A whole `ToFunction` for `target` (an encoded `Address`), from encoded state and
/// invocation entries, in a buffer of exactly its size, and where its invocation entries
/// start.
pub(crate) fn request(target: &[u8], states: &[u8], invocations: &[u8]) -> (Vec<u8>, usize) {
    let batch_len = field_len(target.len()) + states.len() + invocations.len();
    let mut out =
        Vec::with_capacity(TO_FUNCTION_INVOCATION.len() + varint_len(batch_len) + batch_len);
    out.extend_from_slice(&TO_FUNCTION_INVOCATION);
    put_varint(&mut out, batch_len);
    put_bytes_field(&mut out, FIELD_1, target);
    out.extend_from_slice(states);
    let invocations_at = out.len();
    out.extend_from_slice(invocations);
    (out, invocations_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::address_key::AddressKey;
    use bytes::Bytes;
    use prost::Message;
    use statefun_protocol::Address;
    use statefun_protocol::ToFunction;
    use statefun_protocol::to_function::{
        Invocation, InvocationBatchRequest, PersistedValue, Request,
    };

    fn prost_request(
        target: &Address,
        state: Vec<PersistedValue>,
        invocations: Vec<Invocation>,
    ) -> Vec<u8> {
        ToFunction {
            request: Some(Request::Invocation(InvocationBatchRequest {
                target: Some(target.clone()),
                state,
                invocations,
            })),
        }
        .encode_to_vec()
    }

    #[test]
    fn varint_lengths_match_the_encoding() {
        for value in [0, 1, 127, 128, 16_383, 16_384, 300_000, usize::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            assert_eq!(out.len(), varint_len(value), "{value}");
        }
    }

    #[test]
    fn requests_are_byte_for_byte_what_prost_writes() {
        let long = "x".repeat(200);
        let targets = [
            Address::new("example", "greeter", "bob"),
            Address::new("", "t", ""),
            Address::new("ns", "fn", long.as_str()),
        ];
        let values = [
            TypedValue::new(
                "io.statefun.types/int",
                Bytes::from_static(&[0x0D, 1, 0, 0, 0]),
            ),
            TypedValue::new("io.statefun.types/int", Bytes::new()),
            TypedValue::absent("io.statefun.types/int"),
            TypedValue::default(),
            TypedValue::new("t/big", Bytes::from(vec![7; 70_000])),
        ];
        for target in &targets {
            for value in &values {
                for caller in [None, Some(&targets[0]), Some(&Address::default())] {
                    let states: Vec<PersistedValue> = vec![
                        PersistedValue {
                            state_name: "a".into(),
                            state_value: Some(value.clone()),
                        },
                        PersistedValue {
                            state_name: "b".into(),
                            state_value: None,
                        },
                        PersistedValue {
                            state_name: String::new(),
                            state_value: Some(TypedValue::default()),
                        },
                    ];
                    let invocation = Invocation {
                        caller: caller.cloned(),
                        argument: Some(value.clone()),
                    };
                    let expected = prost_request(
                        target,
                        states.clone(),
                        vec![invocation.clone(), invocation.clone()],
                    );

                    let mut encoded_states = Vec::new();
                    for state in &states {
                        put_state(
                            &mut encoded_states,
                            &state.state_name,
                            state.state_value.as_ref().map(ValueRef::from),
                        );
                    }
                    let caller_key = caller.map(AddressKey::from);
                    let caller_bytes = caller_key.as_ref().map(AddressKey::encoded);
                    let entry = InvocationEntry {
                        caller: caller_bytes,
                        argument: value.into(),
                    };
                    let mut entries = Vec::new();
                    entry.put(&mut entries);
                    // The same argument forwarded as the function encoded it.
                    InvocationEntry {
                        caller: caller_bytes,
                        argument: Payload::Encoded(&value.encode_to_vec()),
                    }
                    .put(&mut entries);
                    let target_key = AddressKey::from(target);
                    let (actual, offset) = request(target_key.encoded(), &encoded_states, &entries);
                    assert_eq!(actual, expected);
                    assert_eq!(actual.capacity(), actual.len(), "an exact-size buffer");
                    assert_eq!(&actual[offset..], &entries[..]);
                }
            }
        }
    }
}
