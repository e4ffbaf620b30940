//! The comparison rules of the 2.x conformance suite (its README, section 7).

use prost::Message;
use statefun_protocol::v2::io::{KafkaProducerRecord, KinesisEgressRecord};
use statefun_protocol::v2::polyglot::from_function::Response;
use statefun_protocol::v2::polyglot::{Address, FromFunction};

const KAFKA: &str = "org.apache.flink.statefun.flink.io.KafkaProducerRecord";
const KINESIS: &str = "org.apache.flink.statefun.flink.io.KinesisEgressRecord";

/// A payload, decoded where the rules say so.
#[derive(Debug, PartialEq)]
enum Payload {
    Bytes(Vec<u8>),
    Kafka {
        key: String,
        value_bytes: Vec<u8>,
        topic: String,
    },
    Kinesis {
        partition_key: String,
        value_bytes: Vec<u8>,
        stream: String,
        explicit_hash_key: String,
    },
    /// A record whose bytes do not decode, or hold unknown fields.
    BadRecord(Vec<u8>),
}

#[derive(Debug, PartialEq)]
struct NormAny {
    type_url: String,
    value: Payload,
}

#[derive(Debug, PartialEq)]
enum StateValue {
    Empty,
    Any(NormAny),
    Raw(Vec<u8>),
}

#[derive(Debug, PartialEq)]
struct Normalized {
    mutations: Vec<(i32, String, StateValue)>,
    messages: Vec<(Address, NormAny)>,
    delayed: Vec<(i64, Address, NormAny)>,
    egress: Vec<(String, String, NormAny)>,
}

fn name_of(type_url: &str) -> Option<&str> {
    type_url.rfind('/').map(|at| &type_url[at + 1..])
}

fn norm_any(any: Option<prost_types::Any>) -> NormAny {
    let any = any.unwrap_or_default();
    let value = match name_of(&any.type_url) {
        Some(KAFKA) => match KafkaProducerRecord::decode(&any.value[..]) {
            Ok(record) if scan(&any.value, &[1, 2, 3], &[]).is_ok() => Payload::Kafka {
                key: record.key,
                value_bytes: record.value_bytes.to_vec(),
                topic: record.topic,
            },
            _ => Payload::BadRecord(any.value),
        },
        Some(KINESIS) => match KinesisEgressRecord::decode(&any.value[..]) {
            Ok(record) if scan(&any.value, &[1, 2, 3, 4], &[]).is_ok() => Payload::Kinesis {
                partition_key: record.partition_key,
                value_bytes: record.value_bytes.to_vec(),
                stream: record.stream,
                explicit_hash_key: record.explicit_hash_key,
            },
            _ => Payload::BadRecord(any.value),
        },
        _ => Payload::Bytes(any.value),
    };
    NormAny {
        type_url: any.type_url,
        value,
    }
}

fn normalize(message: FromFunction) -> Normalized {
    let Some(Response::InvocationResult(result)) = message.response else {
        return Normalized {
            mutations: vec![],
            messages: vec![],
            delayed: vec![],
            egress: vec![],
        };
    };
    Normalized {
        mutations: result
            .state_mutations
            .into_iter()
            .map(|m| {
                let value = if m.state_value.is_empty() {
                    StateValue::Empty
                } else {
                    match prost_types::Any::decode(&m.state_value[..]) {
                        Ok(any) if scan(&m.state_value, &[1, 2], &[]).is_ok() => {
                            StateValue::Any(norm_any(Some(any)))
                        }
                        _ => StateValue::Raw(m.state_value.to_vec()),
                    }
                };
                (m.mutation_type, m.state_name, value)
            })
            .collect(),
        messages: result
            .outgoing_messages
            .into_iter()
            .map(|m| (m.target.unwrap_or_default(), norm_any(m.argument)))
            .collect(),
        delayed: result
            .delayed_invocations
            .into_iter()
            .map(|d| {
                (
                    d.delay_in_ms,
                    d.target.unwrap_or_default(),
                    norm_any(d.argument),
                )
            })
            .collect(),
        egress: result
            .outgoing_egresses
            .into_iter()
            .map(|e| (e.egress_namespace, e.egress_type, norm_any(e.argument)))
            .collect(),
    }
}

fn varint(buf: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first().ok_or("truncated varint")?;
        *buf = rest;
        value |= u64::from(byte & 0x7F) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err("varint too long".into())
}

/// Checks that `buf` holds only the fields `known`; those in `nested` are messages, with
/// their own known fields, checked too.
fn scan(mut buf: &[u8], known: &[u64], nested: &[(u64, Schema)]) -> Result<(), String> {
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        let (number, wire) = (key >> 3, key & 7);
        if !known.contains(&number) {
            return Err(format!("unknown field {number}"));
        }
        match wire {
            0 => {
                varint(&mut buf)?;
            }
            2 => {
                let len = varint(&mut buf)? as usize;
                if len > buf.len() {
                    return Err("truncated field".into());
                }
                let (body, rest) = buf.split_at(len);
                buf = rest;
                if let Some((_, schema)) = nested.iter().find(|(n, _)| *n == number) {
                    schema
                        .check(body)
                        .map_err(|e| format!("in field {number}: {e}"))?;
                }
            }
            other => return Err(format!("field {number} has wire type {other}")),
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Schema {
    Result,
    Mutation,
    Invocation,
    Delayed,
    Egress,
    Address,
    Any,
}

impl Schema {
    fn check(self, body: &[u8]) -> Result<(), String> {
        use Schema::*;
        match self {
            Result => scan(
                body,
                &[1, 2, 3, 4],
                &[(1, Mutation), (2, Invocation), (3, Delayed), (4, Egress)],
            ),
            Mutation => scan(body, &[1, 2, 3], &[]),
            Invocation => scan(body, &[1, 2], &[(1, Address), (2, Any)]),
            Delayed => scan(body, &[1, 2, 3], &[(2, Address), (3, Any)]),
            Egress => scan(body, &[1, 2, 3], &[(3, Any)]),
            Address => scan(body, &[1, 2, 3], &[]),
            Any => scan(body, &[1, 2], &[]),
        }
    }
}

/// `Ok(())` when `actual` means to a 2.x runtime what `expected` means, else the
/// differences.
pub fn semantic_diff_v2(expected: &[u8], actual: &[u8]) -> Result<(), String> {
    let decode = |side: &str, bytes: &[u8]| {
        FromFunction::decode(bytes).map_err(|e| format!("{side} is not a 2.x FromFunction: {e}"))
    };
    let expected = normalize(decode("expected", expected)?);
    scan(actual, &[100], &[(100, Schema::Result)])
        .map_err(|e| format!("actual has an unknown field: {e}"))?;
    let actual = normalize(decode("actual", actual)?);
    if expected == actual {
        return Ok(());
    }
    let (e, a) = (format!("{expected:#?}"), format!("{actual:#?}"));
    let (e_lines, a_lines): (Vec<_>, Vec<_>) = (e.lines().collect(), a.lines().collect());
    let mut diff = String::new();
    for i in 0..e_lines.len().max(a_lines.len()) {
        let (el, al) = (e_lines.get(i), a_lines.get(i));
        if el != al {
            diff.push_str(&format!(
                "- {}\n+ {}\n",
                el.unwrap_or(&""),
                al.unwrap_or(&"")
            ));
        }
    }
    Err(format!(
        "responses differ (normalized, line by line):\n{diff}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_body_equals_an_empty_result_and_unknown_fields_are_refused() {
        assert!(semantic_diff_v2(&[], &[0xA2, 0x06, 0x00]).is_ok());
        // field 5 inside the invocation result
        assert!(semantic_diff_v2(&[], &[0xA2, 0x06, 0x02, 0x28, 0x01]).is_err());
    }

    #[test]
    fn state_values_compare_as_decoded_anys() {
        // MODIFY "s" := Any{type_url "a/b", value 01}, fields in both orders
        let forward = [
            0xA2, 0x06, 0x11, 0x0A, 0x0F, 0x08, 0x01, 0x12, 0x01, b's', 0x1A, 0x08, 0x0A, 0x03,
            b'a', b'/', b'b', 0x12, 0x01, 0x01,
        ];
        let reversed = [
            0xA2, 0x06, 0x11, 0x0A, 0x0F, 0x08, 0x01, 0x12, 0x01, b's', 0x1A, 0x08, 0x12, 0x01,
            0x01, 0x0A, 0x03, b'a', b'/', b'b',
        ];
        assert_eq!(semantic_diff_v2(&forward, &reversed), Ok(()));
        let mut other = forward;
        other[19] = 0x02;
        assert!(semantic_diff_v2(&forward, &other).is_err());
    }
}
