//! The 2.x `ToFunction` decoded as views into the request buffer, like the 3.x one: field
//! numbers of `http-function.proto`, unknown fields skipped, and a sub-message that occurs
//! twice merged into the first, as protobuf does.

use std::ops::Range;

use bytes::Bytes;
use bytestring::ByteString;

use super::state::{Slot, Value};
use crate::wire::{
    Field, InvocationView, Reader, Target, ToFunctionError, TypedValueView, caller_address,
    decode_address, decode_target, malformed, typename_at, utf8,
};

/// The `InvocationBatchRequest` of a 2.x `ToFunction`.
#[derive(Debug)]
pub(crate) struct Batch<'a> {
    pub(crate) target: Target<'a>,
    pub(crate) state: Vec<Slot>,
    pub(crate) invocations: Vec<InvocationView>,
}

fn length_delimited(
    field: &Field,
    number: u32,
    context: &'static str,
) -> Result<Range<usize>, ToFunctionError> {
    field.bytes(number).map_err(malformed(context))
}

/// Decodes `body`, filling `state` and `invocations` (empty, possibly with room from
/// earlier requests).
pub(crate) fn decode_to_function(
    body: &Bytes,
    mut state: Vec<Slot>,
    mut invocations: Vec<InvocationView>,
) -> Result<Batch<'_>, ToFunctionError> {
    const CONTEXT: &str = "ToFunction";
    let mut reader = Reader::new(body);
    let mut batches = 0;
    let mut target = None;
    invocations.clear();
    state.clear();
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        if number == 100 {
            let range = length_delimited(&field, 100, CONTEXT)?;
            decode_batch(
                reader.nested(range),
                &mut target,
                &mut state,
                &mut invocations,
            )?;
            batches += 1;
        }
    }
    if batches == 0 {
        return Err(ToFunctionError::NoBatch);
    }
    Ok(Batch {
        target: target.ok_or(ToFunctionError::NoTarget)?,
        state,
        invocations,
    })
}

/// One occurrence of the batch field, merged into what came before: its target into
/// `target`, its states and invocations appended.
fn decode_batch<'a>(
    mut reader: Reader<'a>,
    target: &mut Option<Target<'a>>,
    state: &mut Vec<Slot>,
    invocations: &mut Vec<InvocationView>,
) -> Result<(), ToFunctionError> {
    const CONTEXT: &str = "InvocationBatchRequest";
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        match number {
            1 => {
                let range = length_delimited(&field, 1, CONTEXT)?;
                decode_target(
                    reader.nested(range),
                    target.get_or_insert_with(Target::empty),
                )?;
            }
            2 => {
                let range = length_delimited(&field, 2, CONTEXT)?;
                state.push(decode_state_entry(reader.nested(range))?);
            }
            3 => {
                let range = length_delimited(&field, 3, CONTEXT)?;
                invocations.push(decode_invocation(reader.nested(range))?);
            }
            _ => {}
        }
    }
    Ok(())
}

/// A `PersistedValue`: empty bytes are no value.
fn decode_state_entry(mut reader: Reader<'_>) -> Result<Slot, ToFunctionError> {
    const CONTEXT: &str = "PersistedValue";
    let mut name = ByteString::new();
    let mut value = Bytes::new();
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        match number {
            1 => {
                let range = length_delimited(&field, 1, CONTEXT)?;
                name = utf8(&reader, range, "state_name", CONTEXT)?;
            }
            2 => value = reader.slice(length_delimited(&field, 2, CONTEXT)?),
            _ => {}
        }
    }
    Ok(Slot {
        name,
        value: if value.is_empty() {
            Value::Absent
        } else {
            Value::Received(value)
        },
        modified: false,
    })
}

fn decode_invocation(mut reader: Reader<'_>) -> Result<InvocationView, ToFunctionError> {
    const CONTEXT: &str = "Invocation";
    let mut caller = None;
    // An invocation without argument has an empty `Any`, as protobuf's getters give it.
    let mut argument = (ByteString::new(), Bytes::new());
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        match number {
            1 => {
                let range = length_delimited(&field, 1, CONTEXT)?;
                decode_address(reader.nested(range), caller.get_or_insert_default())?;
            }
            2 => {
                let range = length_delimited(&field, 2, CONTEXT)?;
                argument = merge_any(reader.nested(range), "argument Any", argument)?;
            }
            _ => {}
        }
    }
    Ok(InvocationView {
        caller: caller_address(&reader, caller)?,
        argument: Some(TypedValueView {
            typename: argument.0,
            has_value: true,
            value: argument.1,
        }),
    })
}

/// A `google.protobuf.Any`: its type URL and value bytes, the latter a slice of the buffer.
pub(crate) fn decode_any(
    reader: Reader<'_>,
    context: &'static str,
) -> Result<(ByteString, Bytes), ToFunctionError> {
    merge_any(reader, context, (ByteString::new(), Bytes::new()))
}

/// An `Any` merged into `earlier`.
fn merge_any(
    mut reader: Reader<'_>,
    context: &'static str,
    (mut type_url, mut value): (ByteString, Bytes),
) -> Result<(ByteString, Bytes), ToFunctionError> {
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                let range = length_delimited(&field, 1, context)?;
                type_url = typename_at(&reader, range, "type_url", context)?;
            }
            2 => value = reader.slice(length_delimited(&field, 2, context)?),
            _ => {}
        }
    }
    Ok((type_url, value))
}

/// A state's bytes read as a serialized `Any`, the type URL left as bytes of `bytes`.
pub(crate) fn peek_state_any(bytes: &Bytes) -> Result<(&[u8], Bytes), ToFunctionError> {
    const CONTEXT: &str = "state Any";
    let mut reader = Reader::new(bytes);
    let (mut type_url, mut value) = (&[][..], Bytes::new());
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        match number {
            1 => type_url = reader.bytes(length_delimited(&field, 1, CONTEXT)?),
            2 => value = reader.slice(length_delimited(&field, 2, CONTEXT)?),
            _ => {}
        }
    }
    Ok((type_url, value))
}

/// A state's bytes read as a serialized `Any`.
pub(crate) fn decode_state_any(bytes: &Bytes) -> Result<(ByteString, Bytes), ToFunctionError> {
    decode_any(Reader::new(bytes), "state Any")
}

#[cfg(test)]
mod tests {
    use prost::Message as _;
    use statefun_protocol::v2::polyglot::to_function::{
        Invocation, InvocationBatchRequest, PersistedValue, Request,
    };
    use statefun_protocol::v2::polyglot::{Address as WireAddress, ToFunction};

    use super::*;

    #[test]
    fn decodes_what_prost_encodes() {
        let body = Bytes::from(
            ToFunction {
                request: Some(Request::Invocation(InvocationBatchRequest {
                    target: Some(WireAddress {
                        namespace: "example".into(),
                        r#type: "greeter".into(),
                        id: "Bob".into(),
                    }),
                    state: vec![
                        PersistedValue {
                            state_name: "seen_count".into(),
                            state_value: Bytes::new(),
                        },
                        PersistedValue {
                            state_name: "other".into(),
                            state_value: Bytes::from_static(&[1, 2, 3]),
                        },
                    ],
                    invocations: vec![
                        Invocation {
                            caller: None,
                            argument: Some(prost_types::Any {
                                type_url: "com.googleapis/example.GreetRequest".into(),
                                value: vec![0x0A, 3, b'B', b'o', b'b'],
                            }),
                        },
                        Invocation {
                            caller: Some(WireAddress {
                                namespace: "a".into(),
                                r#type: "b".into(),
                                id: "c".into(),
                            }),
                            argument: None,
                        },
                    ],
                })),
            }
            .encode_to_vec(),
        );
        let batch = decode_to_function(&body, Vec::new(), Vec::new()).unwrap();
        assert_eq!(
            (batch.target.namespace, batch.target.name, &*batch.target.id),
            ("example", "greeter", "Bob")
        );
        assert_eq!(&*batch.state[0].name, "seen_count");
        assert!(matches!(batch.state[0].value, Value::Absent));
        assert!(matches!(&batch.state[1].value, Value::Received(v) if v[..] == [1, 2, 3]));
        let first = batch.invocations[0].argument.as_ref().unwrap();
        assert_eq!(&*first.typename, "com.googleapis/example.GreetRequest");
        assert_eq!(&first.value[..], [0x0A, 3, b'B', b'o', b'b']);
        assert!(batch.invocations[0].caller.is_none());
        assert_eq!(
            batch.invocations[1].caller.as_ref().unwrap().to_string(),
            "a/b/c"
        );
        let second = batch.invocations[1].argument.as_ref().unwrap();
        assert!(second.typename.is_empty() && second.value.is_empty());
    }

    #[test]
    fn a_caller_string_that_is_not_utf8_is_named() {
        let request = ToFunction {
            request: Some(Request::Invocation(InvocationBatchRequest {
                target: Some(WireAddress {
                    namespace: "example".into(),
                    r#type: "greeter".into(),
                    id: "Bob".into(),
                }),
                state: vec![],
                invocations: vec![Invocation {
                    caller: Some(WireAddress {
                        namespace: "a".into(),
                        r#type: "b".into(),
                        id: "c".into(),
                    }),
                    argument: None,
                }],
            })),
        };
        let mut bytes = request.encode_to_vec();
        // The caller's id is the last byte: `c`, made a lone continuation byte.
        let last = bytes.len() - 1;
        assert_eq!(bytes[last], b'c');
        bytes[last] = 0x80;
        let body = Bytes::from(bytes);
        assert!(
            ToFunction::decode(body.clone()).is_err(),
            "prost rejects it too"
        );
        let message = decode_to_function(&body, Vec::new(), Vec::new())
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("caller Address") && message.contains("id is not valid UTF-8"),
            "{message}"
        );
    }

    #[test]
    fn a_truncated_body_is_malformed() {
        let body = Bytes::from_static(&[0xA2, 0x06, 0x05, 0x0A, 0x09, 0x0A]);
        assert!(matches!(
            decode_to_function(&body, Vec::new(), Vec::new()),
            Err(ToFunctionError::Malformed { .. })
        ));
        assert!(matches!(
            decode_to_function(&Bytes::new(), Vec::new(), Vec::new()),
            Err(ToFunctionError::NoBatch)
        ));
    }

    #[test]
    fn a_state_any_is_read_in_any_field_order() {
        // value (field 2) before type_url (field 1)
        let bytes = Bytes::from_static(&[0x12, 0x01, 0x07, 0x0A, 0x03, b'a', b'/', b'b']);
        let (url, value) = decode_state_any(&bytes).unwrap();
        assert_eq!((&*url, &value[..]), ("a/b", &[7u8][..]));
        assert!(decode_state_any(&Bytes::from_static(&[0x0A, 0x05])).is_err());
    }
}

/// A bounded fuzzing against prost as the oracle: random requests decode to what prost
/// encoded, and any mutation of them that this decoder accepts, prost accepts too, with the
/// same content.
#[cfg(test)]
mod oracle {
    use prost::Message as _;
    use statefun_protocol::v2::polyglot::to_function::{
        Invocation, InvocationBatchRequest, PersistedValue, Request,
    };
    use statefun_protocol::v2::polyglot::{Address as WireAddress, ToFunction};

    use super::*;

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn text(&mut self) -> String {
            let pool = [
                "",
                "a",
                "ns",
                "greeter",
                "x/y",
                "é",
                "type.googleapis.com/T",
                "id 1",
            ];
            pool[self.below(pool.len() as u64) as usize].to_owned()
        }

        fn address(&mut self) -> WireAddress {
            WireAddress {
                namespace: self.text(),
                r#type: self.text(),
                id: self.text(),
            }
        }
    }

    fn random_request(rng: &mut Rng) -> ToFunction {
        let state = (0..rng.below(4))
            .map(|i| PersistedValue {
                state_name: format!("s{i}"),
                state_value: (0..rng.below(6))
                    .map(|_| rng.next() as u8)
                    .collect::<Vec<_>>()
                    .into(),
            })
            .collect();
        let invocations = (0..rng.below(4))
            .map(|_| Invocation {
                caller: (rng.below(2) == 0).then(|| rng.address()),
                argument: (rng.below(3) != 0).then(|| prost_types::Any {
                    type_url: rng.text(),
                    value: (0..rng.below(6)).map(|_| rng.next() as u8).collect(),
                }),
            })
            .collect();
        ToFunction {
            request: Some(Request::Invocation(InvocationBatchRequest {
                target: Some(rng.address()),
                state,
                invocations,
            })),
        }
    }

    /// What both decoders agree a request means.
    fn meaning(batch: &Batch<'_>) -> String {
        let state: Vec<String> = batch
            .state
            .iter()
            .map(|slot| match &slot.value {
                Value::Absent => format!("{}=", slot.name),
                Value::Received(v) => format!("{}={v:?}", slot.name),
                Value::Written { .. } => unreachable!("nothing is written while decoding"),
            })
            .collect();
        let invocations: Vec<String> = batch
            .invocations
            .iter()
            .map(|i| {
                let argument = i.argument.as_ref().expect("always an Any");
                format!(
                    "{:?} {} {:?}",
                    i.caller.as_ref().map(ToString::to_string),
                    argument.typename,
                    argument.value
                )
            })
            .collect();
        format!(
            "{}/{}/{} {state:?} {invocations:?}",
            batch.target.namespace, batch.target.name, batch.target.id
        )
    }

    fn prost_meaning(request: &ToFunction) -> Option<String> {
        let Some(Request::Invocation(batch)) = &request.request else {
            return None;
        };
        let target = batch.target.as_ref()?;
        let state: Vec<String> = batch
            .state
            .iter()
            .map(|s| {
                if s.state_value.is_empty() {
                    format!("{}=", s.state_name)
                } else {
                    format!("{}={:?}", s.state_name, s.state_value)
                }
            })
            .collect();
        let invocations: Vec<String> = batch
            .invocations
            .iter()
            .map(|i| {
                let caller = i
                    .caller
                    .as_ref()
                    .filter(|c| !(c.namespace.is_empty() && c.r#type.is_empty() && c.id.is_empty()))
                    .map(|c| format!("{}/{}/{}", c.namespace, c.r#type, c.id));
                let argument = i.argument.clone().unwrap_or_default();
                format!(
                    "{caller:?} {} {:?}",
                    argument.type_url,
                    Bytes::from(argument.value)
                )
            })
            .collect();
        Some(format!(
            "{}/{}/{} {state:?} {invocations:?}",
            target.namespace, target.r#type, target.id
        ))
    }

    fn has_duplicate_names(request: &ToFunction) -> bool {
        let Some(Request::Invocation(batch)) = &request.request else {
            return false;
        };
        batch.state.iter().enumerate().any(|(i, s)| {
            batch.state[..i]
                .iter()
                .any(|e| e.state_name == s.state_name)
        })
    }

    #[test]
    fn agrees_with_prost_on_random_and_mutated_requests() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..300 {
            let request = random_request(&mut rng);
            let body = Bytes::from(request.encode_to_vec());
            let batch = decode_to_function(&body, Vec::new(), Vec::new()).unwrap();
            assert_eq!(Some(meaning(&batch)), prost_meaning(&request));
            for _ in 0..20 {
                let mut mutated = body.to_vec();
                match rng.below(3) {
                    0 => mutated.truncate(rng.below(mutated.len() as u64 + 1) as usize),
                    1 if !mutated.is_empty() => {
                        let at = rng.below(mutated.len() as u64) as usize;
                        mutated[at] ^= 1 << rng.below(8);
                    }
                    _ => {
                        let at = rng.below(mutated.len() as u64 + 1) as usize;
                        mutated.insert(at, rng.next() as u8);
                    }
                }
                let mutated = Bytes::from(mutated);
                let Ok(ours) = decode_to_function(&mutated, Vec::new(), Vec::new()) else {
                    continue;
                };
                let theirs = ToFunction::decode(mutated.clone());
                let theirs = theirs.unwrap_or_else(|error| {
                    panic!("accepted what prost rejects ({error}): {mutated:?}")
                });
                if !has_duplicate_names(&theirs) {
                    // A mutation may repeat a sub-message; prost merges, this decoder keeps
                    // the last, so only compare what both read the same way.
                    if let Some(expected) = prost_meaning(&theirs)
                        && expected != meaning(&ours)
                        && mutated.len() == body.len()
                    {
                        panic!(
                            "different meaning of {mutated:?}:\n{expected}\n{}",
                            meaning(&ours)
                        );
                    }
                }
            }
        }
    }
}
