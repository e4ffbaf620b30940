//! The 2.x `FromFunction` written straight into one buffer of its exact size, fields in
//! field-number order and proto3 defaults left out, as protobuf's encoders write it.

use bytes::{Bytes, BytesMut};
use prost::encoding::encoded_len_varint;

use super::any;
use super::state::{Slot, Value};
use crate::effects::{Delayed, Effects, Egress, OutMessage, TypedPayload};
use crate::wire::encode_varint;
use crate::{Address, TypeName, arena};

/// The 3.x egress record typenames the builders use, and the 2.x ones they become: the
/// records have the same fields in both generations, only their package differs.
const RECORDS: [(&str, &str); 2] = [
    (
        "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord",
        "type.googleapis.com/org.apache.flink.statefun.flink.io.KafkaProducerRecord",
    ),
    (
        "type.googleapis.com/io.statefun.sdk.egress.KinesisEgressRecord",
        "type.googleapis.com/org.apache.flink.statefun.flink.io.KinesisEgressRecord",
    ),
];

/// What the 2.x protocol cannot carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unsupported {
    CancellationToken,
}

fn key_len(field: u64) -> usize {
    encoded_len_varint(field << 3)
}

fn key(field: u64, wire_type: u64, out: &mut BytesMut) {
    encode_varint((field << 3) | wire_type, out);
}

fn bytes_len(field: u64, len: usize) -> usize {
    if len == 0 {
        0
    } else {
        key_len(field) + encoded_len_varint(len as u64) + len
    }
}

fn write_bytes(field: u64, bytes: &[u8], out: &mut BytesMut) {
    if !bytes.is_empty() {
        key(field, 2, out);
        encode_varint(bytes.len() as u64, out);
        out.extend_from_slice(bytes);
    }
}

fn nested_len(field: u64, body: usize) -> usize {
    key_len(field) + encoded_len_varint(body as u64) + body
}

fn nested_header(field: u64, body: usize, out: &mut BytesMut) {
    key(field, 2, out);
    encode_varint(body as u64, out);
}

/// The type URL a payload goes out with.
fn type_url(typename: &TypeName) -> UrlRef<'_> {
    if typename.name().ends_with("Record") {
        let namespace = typename.namespace();
        for (v3, v2) in RECORDS {
            if v3.len() == typename.len()
                && v3.starts_with(namespace)
                && v3.ends_with(typename.name())
            {
                return UrlRef::Static(v2);
            }
        }
    }
    UrlRef::Name(typename)
}

enum UrlRef<'a> {
    Static(&'static str),
    Name(&'a TypeName),
}

impl UrlRef<'_> {
    fn len(&self) -> usize {
        match self {
            UrlRef::Static(url) => url.len(),
            UrlRef::Name(typename) => any::url_len(typename),
        }
    }

    fn write(&self, out: &mut BytesMut) {
        match self {
            UrlRef::Static(url) => out.extend_from_slice(url.as_bytes()),
            UrlRef::Name(typename) => any::write_url(typename, out),
        }
    }
}

/// `Any { type_url = 1, value = 2 }`.
fn any_body_len(url: &UrlRef<'_>, value: &[u8]) -> usize {
    bytes_len(1, url.len()) + bytes_len(2, value.len())
}

fn write_any_body(url: &UrlRef<'_>, value: &[u8], out: &mut BytesMut) {
    let len = url.len();
    if len > 0 {
        key(1, 2, out);
        encode_varint(len as u64, out);
        url.write(out);
    }
    write_bytes(2, value, out);
}

fn payload_len(field: u64, payload: &TypedPayload) -> usize {
    nested_len(
        field,
        any_body_len(&type_url(&payload.typename), &payload.value),
    )
}

fn write_payload(field: u64, payload: &TypedPayload, out: &mut BytesMut) {
    let url = type_url(&payload.typename);
    nested_header(field, any_body_len(&url, &payload.value), out);
    write_any_body(&url, &payload.value, out);
}

fn address_body_len(address: &Address) -> usize {
    let function = address.function_type();
    bytes_len(1, function.namespace().len())
        + bytes_len(2, function.name().len())
        + bytes_len(3, address.id().len())
}

fn write_address(field: u64, address: &Address, out: &mut BytesMut) {
    nested_header(field, address_body_len(address), out);
    let function = address.function_type();
    write_bytes(1, function.namespace().as_bytes(), out);
    write_bytes(2, function.name().as_bytes(), out);
    write_bytes(3, address.id().as_bytes(), out);
}

/// `FromFunction.Invocation { target = 1, argument = 2 }`.
fn message_body_len(message: &OutMessage) -> usize {
    nested_len(1, address_body_len(&message.target)) + payload_len(2, &message.argument)
}

/// `DelayedInvocation { delay_in_ms = 1, target = 2, argument = 3 }`.
fn delayed_body_len(delay_ms: i64, message: &OutMessage) -> usize {
    let delay = if delay_ms == 0 {
        0
    } else {
        key_len(1) + encoded_len_varint(delay_ms as u64)
    };
    delay + nested_len(2, address_body_len(&message.target)) + payload_len(3, &message.argument)
}

/// `EgressMessage { egress_namespace = 1, egress_type = 2, argument = 3 }`.
fn egress_body_len(egress: &Egress) -> usize {
    bytes_len(1, egress.egress.namespace().len())
        + bytes_len(2, egress.egress.name().len())
        + payload_len(3, &egress.argument)
}

/// A state's bytes as sent back: the serialized `Any`, or nothing for a deletion.
fn state_value(slot: &Slot) -> Option<(UrlRef<'_>, &[u8])> {
    match &slot.value {
        Value::Written { type_url, value } => Some((UrlRef::Name(type_url), value)),
        Value::Absent | Value::Received(_) => None,
    }
}

/// `PersistedValueMutation { mutation_type = 1 (DELETE 0, MODIFY 1), state_name = 2,
/// state_value = 3 }`.
fn mutation_body_len(slot: &Slot) -> usize {
    let value = match state_value(slot) {
        Some((url, value)) => key_len(1) + 1 + bytes_len(3, any_body_len(&url, value)),
        None => 0,
    };
    value + bytes_len(2, slot.name.len())
}

fn write_mutation(slot: &Slot, out: &mut BytesMut) {
    nested_header(1, mutation_body_len(slot), out);
    let value = state_value(slot);
    if value.is_some() {
        key(1, 0, out);
        encode_varint(1, out);
    }
    write_bytes(2, slot.name.as_bytes(), out);
    if let Some((url, value)) = value {
        let len = any_body_len(&url, value);
        if len > 0 {
            nested_header(3, len, out);
            write_any_body(&url, value, out);
        }
    }
}

/// `FromFunction { invocation_result = 100 }` from the batch's effects and states.
pub(crate) fn invocation_response(effects: &Effects, slots: &[Slot]) -> Result<Bytes, Unsupported> {
    let mut body = 0;
    for slot in slots.iter().filter(|slot| slot.modified) {
        body += nested_len(1, mutation_body_len(slot));
    }
    for message in &effects.messages {
        body += nested_len(2, message_body_len(message));
    }
    for delayed in &effects.delayed {
        let Delayed {
            delay_ms,
            token: None,
            message: Some(message),
        } = delayed
        else {
            return Err(Unsupported::CancellationToken);
        };
        body += nested_len(3, delayed_body_len(*delay_ms, message));
    }
    for egress in &effects.egress {
        body += nested_len(4, egress_body_len(egress));
    }
    let len = nested_len(100, body);
    Ok(arena::carve(len, |out| {
        nested_header(100, body, out);
        for slot in slots.iter().filter(|slot| slot.modified) {
            write_mutation(slot, out);
        }
        for message in &effects.messages {
            nested_header(2, message_body_len(message), out);
            write_address(1, &message.target, out);
            write_payload(2, &message.argument, out);
        }
        for delayed in &effects.delayed {
            if let Delayed {
                delay_ms,
                message: Some(message),
                ..
            } = delayed
            {
                nested_header(3, delayed_body_len(*delay_ms, message), out);
                if *delay_ms != 0 {
                    key(1, 0, out);
                    encode_varint(*delay_ms as u64, out);
                }
                write_address(2, &message.target, out);
                write_payload(3, &message.argument, out);
            }
        }
        for egress in &effects.egress {
            nested_header(4, egress_body_len(egress), out);
            write_bytes(1, egress.egress.namespace().as_bytes(), out);
            write_bytes(2, egress.egress.name().as_bytes(), out);
            write_payload(3, &egress.argument, out);
        }
    }))
}
