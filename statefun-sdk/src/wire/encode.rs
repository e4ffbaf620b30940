//! `FromFunction` written straight into one buffer of the exact final size. Fields are
//! written in field-number order and proto3 defaults are left out, like the official SDKs
//! and prost do, so answers are byte-identical to theirs.

use bytes::{Bytes, BytesMut};
use statefun_protocol::wire::encoded_len_varint;

use crate::effects::{Delayed, Effects, Egress, MissingSpec, Mutation, OutMessage, TypedPayload};
use crate::{Address, TypeName, arena};

const WIRE_VARINT: u64 = 0;
const WIRE_LEN: u64 = 2;

/// Something that is written as the body of a length-delimited field.
trait Body {
    fn body_len(&self) -> usize;
    fn write_body(&self, out: &mut BytesMut);
}

/// Where varints are written: the arena's buffers, or a codec's `Vec`.
pub(crate) trait Sink {
    fn put_u8(&mut self, byte: u8);
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for BytesMut {
    #[inline]
    fn put_u8(&mut self, byte: u8) {
        bytes::BufMut::put_u8(self, byte);
    }

    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put_u8(&mut self, byte: u8) {
        self.push(byte);
    }

    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Appends `value` as a varint, byte by byte: nearly all are one byte long here, and
/// prost's generic writer reserves room for every byte.
#[inline]
pub(crate) fn encode_varint(mut value: u64, out: &mut impl Sink) {
    while value >= 0x80 {
        out.put_u8((value as u8) | 0x80);
        value >>= 7;
    }
    out.put_u8(value as u8);
}

fn key(field: u64, wire_type: u64, out: &mut BytesMut) {
    encode_varint((field << 3) | wire_type, out);
}

fn key_len(field: u64) -> usize {
    encoded_len_varint(field << 3)
}

fn bytes_field_len(field: u64, len: usize) -> usize {
    if len == 0 {
        0
    } else {
        key_len(field) + encoded_len_varint(len as u64) + len
    }
}

fn write_bytes_field(field: u64, bytes: &[u8], out: &mut BytesMut) {
    if !bytes.is_empty() {
        key(field, WIRE_LEN, out);
        encode_varint(bytes.len() as u64, out);
        out.extend_from_slice(bytes);
    }
}

fn varint_field_len(field: u64, value: u64) -> usize {
    if value == 0 {
        0
    } else {
        key_len(field) + encoded_len_varint(value)
    }
}

fn write_varint_field(field: u64, value: u64, out: &mut BytesMut) {
    if value != 0 {
        key(field, WIRE_VARINT, out);
        encode_varint(value, out);
    }
}

fn message_field_len(field: u64, body: &impl Body) -> usize {
    let len = body.body_len();
    key_len(field) + encoded_len_varint(len as u64) + len
}

fn write_message_field(field: u64, body: &impl Body, out: &mut BytesMut) {
    key(field, WIRE_LEN, out);
    encode_varint(body.body_len() as u64, out);
    body.write_body(out);
}

/// `namespace/name` of a typename, as one string field.
fn typename_field_len(field: u64, typename: &TypeName) -> usize {
    bytes_field_len(field, typename.len())
}

fn write_typename_field(field: u64, typename: &TypeName, out: &mut BytesMut) {
    key(field, WIRE_LEN, out);
    encode_varint(typename.len() as u64, out);
    out.extend_from_slice(typename.namespace().as_bytes());
    Sink::put_u8(out, b'/');
    out.extend_from_slice(typename.name().as_bytes());
}

impl Body for Address {
    fn body_len(&self) -> usize {
        let function_type = self.function_type();
        bytes_field_len(1, function_type.namespace().len())
            + bytes_field_len(2, function_type.name().len())
            + bytes_field_len(3, self.id().len())
    }

    fn write_body(&self, out: &mut BytesMut) {
        let function_type = self.function_type();
        write_bytes_field(1, function_type.namespace().as_bytes(), out);
        write_bytes_field(2, function_type.name().as_bytes(), out);
        write_bytes_field(3, self.id().as_bytes(), out);
    }
}

impl Body for TypedPayload {
    fn body_len(&self) -> usize {
        typename_field_len(1, &self.typename)
            + varint_field_len(2, u64::from(self.has_value))
            + bytes_field_len(3, self.value.len())
    }

    fn write_body(&self, out: &mut BytesMut) {
        write_typename_field(1, &self.typename, out);
        write_varint_field(2, u64::from(self.has_value), out);
        write_bytes_field(3, &self.value, out);
    }
}

impl Body for OutMessage {
    fn body_len(&self) -> usize {
        message_field_len(1, &self.target) + message_field_len(2, &self.argument)
    }

    fn write_body(&self, out: &mut BytesMut) {
        write_message_field(1, &self.target, out);
        write_message_field(2, &self.argument, out);
    }
}

impl Body for Delayed {
    fn body_len(&self) -> usize {
        let is_cancellation = u64::from(self.message.is_none());
        varint_field_len(1, self.delay_ms as u64)
            + self
                .message
                .as_ref()
                .map_or(0, |message| message.body_len())
            + varint_field_len(10, is_cancellation)
            + bytes_field_len(11, self.token.as_ref().map_or(0, |t| t.len()))
    }

    fn write_body(&self, out: &mut BytesMut) {
        write_varint_field(1, self.delay_ms as u64, out);
        if let Some(message) = &self.message {
            // A DelayedInvocation's target and argument are those of an Invocation, at
            // field numbers 2 and 3 instead of 1 and 2: the same bytes under other keys.
            write_message_field(2, &message.target, out);
            write_message_field(3, &message.argument, out);
        }
        write_varint_field(10, u64::from(self.message.is_none()), out);
        if let Some(token) = &self.token {
            write_bytes_field(11, token.as_bytes(), out);
        }
    }
}

impl Body for Egress {
    fn body_len(&self) -> usize {
        bytes_field_len(1, self.egress.namespace().len())
            + bytes_field_len(2, self.egress.name().len())
            + message_field_len(3, &self.argument)
    }

    fn write_body(&self, out: &mut BytesMut) {
        write_bytes_field(1, self.egress.namespace().as_bytes(), out);
        write_bytes_field(2, self.egress.name().as_bytes(), out);
        write_message_field(3, &self.argument, out);
    }
}

/// The `TypedValue` of a MODIFY mutation, borrowed from the storage cell.
struct StoredValue<'a>(&'a TypeName, &'a Bytes);

impl Body for StoredValue<'_> {
    fn body_len(&self) -> usize {
        typename_field_len(1, self.0) + varint_field_len(2, 1) + bytes_field_len(3, self.1.len())
    }

    fn write_body(&self, out: &mut BytesMut) {
        write_typename_field(1, self.0, out);
        write_varint_field(2, 1, out);
        write_bytes_field(3, self.1, out);
    }
}

impl Body for Mutation<'_> {
    fn body_len(&self) -> usize {
        let modify = self.value.is_some();
        varint_field_len(1, u64::from(modify))
            + bytes_field_len(2, self.name.len())
            + self.value.map_or(0, |value| {
                message_field_len(3, &StoredValue(self.typename, value))
            })
    }

    fn write_body(&self, out: &mut BytesMut) {
        write_varint_field(1, u64::from(self.value.is_some()), out);
        write_bytes_field(2, self.name.as_bytes(), out);
        if let Some(value) = self.value {
            write_message_field(3, &StoredValue(self.typename, value), out);
        }
    }
}

struct Expiration(u64, i64);

impl Body for Expiration {
    fn body_len(&self) -> usize {
        varint_field_len(1, self.0) + varint_field_len(2, self.1 as u64)
    }

    fn write_body(&self, out: &mut BytesMut) {
        write_varint_field(1, self.0, out);
        write_varint_field(2, self.1 as u64, out);
    }
}

impl Body for MissingSpec<'_> {
    fn body_len(&self) -> usize {
        bytes_field_len(1, self.name.len())
            + message_field_len(2, &Expiration(self.expire_mode, self.expire_after_millis))
            + typename_field_len(3, self.typename)
    }

    fn write_body(&self, out: &mut BytesMut) {
        write_bytes_field(1, self.name.as_bytes(), out);
        write_message_field(
            2,
            &Expiration(self.expire_mode, self.expire_after_millis),
            out,
        );
        write_typename_field(3, self.typename, out);
    }
}

/// A list of bodies written as one repeated field.
struct Repeated<'a, T>(u64, &'a [T]);

impl<T: Body> Repeated<'_, T> {
    fn len(&self) -> usize {
        self.1
            .iter()
            .map(|item| message_field_len(self.0, item))
            .sum()
    }

    fn write(&self, out: &mut BytesMut) {
        for item in self.1 {
            write_message_field(self.0, item, out);
        }
    }
}

/// Writes `FromFunction{invocation_result}` from the batch's effects and mutations.
pub(crate) struct ResponseWriter;

impl ResponseWriter {
    /// `mutations` is walked twice, to size the buffer and to fill it, so that the storage
    /// need not collect them.
    pub(crate) fn invocation_response<'a>(
        effects: &Effects,
        mutations: impl Iterator<Item = Mutation<'a>> + Clone,
    ) -> Bytes {
        let parts = (
            Repeated(2, &effects.messages),
            Repeated(3, &effects.delayed),
            Repeated(4, &effects.egress),
        );
        let mutations_len: usize = mutations
            .clone()
            .map(|mutation| message_field_len(1, &mutation))
            .sum();
        let body_len = mutations_len + parts.0.len() + parts.1.len() + parts.2.len();
        let len = key_len(100) + encoded_len_varint(body_len as u64) + body_len;
        arena::carve(len, |out| {
            key(100, WIRE_LEN, out);
            encode_varint(body_len as u64, out);
            for mutation in mutations {
                write_message_field(1, &mutation, out);
            }
            parts.0.write(out);
            parts.1.write(out);
            parts.2.write(out);
        })
    }
}

/// A message made only of length-delimited fields, `(number, bytes)` in the order given
/// (field-number order keeps it canonical), empty ones left out as proto3 does, in a
/// buffer of exactly its size.
pub(crate) fn encode_length_delimited(fields: &[(u64, &[u8])]) -> Bytes {
    let len = fields
        .iter()
        .map(|(number, bytes)| bytes_field_len(*number, bytes.len()))
        .sum();
    arena::carve(len, |out| {
        for (number, bytes) in fields {
            write_bytes_field(*number, bytes, out);
        }
    })
}

/// Writes `FromFunction{incomplete_invocation_context}` listing `missing`.
pub(crate) fn encode_incomplete_context(missing: &[MissingSpec<'_>]) -> Bytes {
    let specs = Repeated(1, missing);
    let body_len = specs.len();
    let len = key_len(101) + encoded_len_varint(body_len as u64) + body_len;
    arena::carve(len, |out| {
        key(101, WIRE_LEN, out);
        encode_varint(body_len as u64, out);
        specs.write(out);
    })
}

#[cfg(test)]
mod tests {
    use prost::Message as _;
    use statefun_protocol::from_function::expiration_spec::ExpireMode;
    use statefun_protocol::from_function::persisted_value_mutation::MutationType;
    use statefun_protocol::from_function::{
        DelayedInvocation, EgressMessage, ExpirationSpec, IncompleteInvocationContext, Invocation,
        InvocationResponse, PersistedValueMutation, PersistedValueSpec, Response,
    };
    use statefun_protocol::{Address as WireAddress, FromFunction, TypedValue};

    use super::*;

    fn payload(typename: &'static str, value: &'static [u8]) -> TypedPayload {
        TypedPayload {
            typename: TypeName::from_static(typename),
            has_value: true,
            value: Bytes::from_static(value),
        }
    }

    fn address() -> Address {
        Address::new(TypeName::from_static("ns/fn"), "id")
    }

    /// Our writer and prost agree byte for byte on a response using every field.
    #[test]
    fn invocation_response_matches_prost() {
        let effects = Effects {
            messages: vec![OutMessage {
                target: address(),
                argument: payload("a/b", b"xy"),
            }],
            delayed: vec![
                Delayed {
                    delay_ms: 1 << 40,
                    token: Some("tok".into()),
                    message: Some(OutMessage {
                        target: address(),
                        argument: payload("a/b", b""),
                    }),
                },
                Delayed {
                    delay_ms: 0,
                    token: None,
                    message: Some(OutMessage {
                        target: address(),
                        argument: payload("a/b", b"z"),
                    }),
                },
                Delayed {
                    delay_ms: 0,
                    token: Some("tok".into()),
                    message: None,
                },
            ],
            egress: vec![Egress {
                egress: TypeName::from_static("eg/out"),
                argument: payload("c/d", b"q"),
            }],
        };
        let int = TypeName::from_static("io.statefun.types/int");
        let value = Bytes::from_static(&[0x0D, 1, 0, 0, 0]);
        let mutations = [
            Mutation {
                name: "seen",
                typename: &int,
                value: Some(&value),
            },
            Mutation {
                name: "gone",
                typename: &int,
                value: None,
            },
        ];
        let ours = ResponseWriter::invocation_response(&effects, mutations.iter().cloned());

        let wire_address = || Some(WireAddress::new("ns", "fn", "id"));
        let expected = FromFunction {
            response: Some(Response::InvocationResult(InvocationResponse {
                state_mutations: vec![
                    PersistedValueMutation {
                        mutation_type: MutationType::Modify as i32,
                        state_name: "seen".into(),
                        state_value: Some(TypedValue::new("io.statefun.types/int", value.clone())),
                    },
                    PersistedValueMutation {
                        mutation_type: MutationType::Delete as i32,
                        state_name: "gone".into(),
                        state_value: None,
                    },
                ],
                outgoing_messages: vec![Invocation {
                    target: wire_address(),
                    argument: Some(TypedValue::new("a/b", &b"xy"[..])),
                }],
                delayed_invocations: vec![
                    DelayedInvocation {
                        delay_in_ms: 1 << 40,
                        target: wire_address(),
                        argument: Some(TypedValue::new("a/b", &b""[..])),
                        cancellation_token: "tok".into(),
                        is_cancellation_request: false,
                    },
                    DelayedInvocation {
                        delay_in_ms: 0,
                        target: wire_address(),
                        argument: Some(TypedValue::new("a/b", &b"z"[..])),
                        ..Default::default()
                    },
                    DelayedInvocation {
                        is_cancellation_request: true,
                        cancellation_token: "tok".into(),
                        ..Default::default()
                    },
                ],
                outgoing_egresses: vec![EgressMessage {
                    egress_namespace: "eg".into(),
                    egress_type: "out".into(),
                    argument: Some(TypedValue::new("c/d", &b"q"[..])),
                }],
            })),
        };
        assert_eq!(ours.as_ref(), expected.encode_to_vec().as_slice());
    }

    #[test]
    fn empty_response_is_an_empty_invocation_result() {
        let ours = ResponseWriter::invocation_response(&Effects::default(), std::iter::empty());
        assert_eq!(ours.as_ref(), [0xA2, 0x06, 0x00]);
    }

    #[test]
    fn incomplete_context_matches_prost() {
        let int = TypeName::from_static("io.statefun.types/int");
        let ours = encode_incomplete_context(&[
            MissingSpec {
                name: "seen",
                typename: &int,
                expire_mode: 0,
                expire_after_millis: 0,
            },
            MissingSpec {
                name: "ttl",
                typename: &int,
                expire_mode: 2,
                expire_after_millis: 60_000,
            },
        ]);
        let spec = |name: &str, mode: ExpireMode, millis| PersistedValueSpec {
            state_name: name.into(),
            expiration_spec: Some(ExpirationSpec {
                mode: mode as i32,
                expire_after_millis: millis,
            }),
            type_typename: "io.statefun.types/int".into(),
        };
        let expected = FromFunction {
            response: Some(Response::IncompleteInvocationContext(
                IncompleteInvocationContext {
                    missing_values: vec![
                        spec("seen", ExpireMode::None, 0),
                        spec("ttl", ExpireMode::AfterInvoke, 60_000),
                    ],
                },
            )),
        };
        assert_eq!(ours.as_ref(), expected.encode_to_vec().as_slice());
    }
}
