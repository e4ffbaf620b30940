//! The 2.x `ToFunction` decoded as views into the request buffer, like the 3.x one: field
//! numbers of `http-function.proto`, unknown fields skipped, the last occurrence of a
//! sub-message kept.

use std::ops::Range;

use bytes::Bytes;
use bytestring::ByteString;

use crate::wire::{Field, InvocationView, Reader, ToFunctionError, TypedValueView, WireError};
use crate::{Address, TypeName};

/// One `ToFunction.PersistedValue`: a state declared in `module.yaml` and its bytes, a
/// serialized `Any` (empty: no value).
#[derive(Debug, Clone)]
pub(crate) struct StateEntry {
    pub(crate) name: ByteString,
    pub(crate) value: Bytes,
}

/// The target of a batch: its function type stays borrowed, to be looked up.
#[derive(Debug, Clone)]
pub(crate) struct Target<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
    pub(crate) id: ByteString,
}

/// The `InvocationBatchRequest` of a 2.x `ToFunction`.
#[derive(Debug)]
pub(crate) struct Batch<'a> {
    pub(crate) target: Target<'a>,
    pub(crate) state: Vec<StateEntry>,
    pub(crate) invocations: Vec<InvocationView>,
}

fn malformed(context: &'static str) -> impl Fn(WireError) -> ToFunctionError {
    move |source| ToFunctionError::Malformed { context, source }
}

fn not_utf8(what: &'static str, context: &'static str) -> ToFunctionError {
    ToFunctionError::Malformed {
        context,
        source: WireError::NotUtf8(what),
    }
}

fn shared_text(
    reader: &Reader<'_>,
    range: Range<usize>,
    what: &'static str,
    context: &'static str,
) -> Result<ByteString, ToFunctionError> {
    ByteString::try_from(reader.slice(range)).map_err(|_| not_utf8(what, context))
}

fn text<'a>(
    reader: &Reader<'a>,
    range: Range<usize>,
    what: &'static str,
    context: &'static str,
) -> Result<&'a str, ToFunctionError> {
    std::str::from_utf8(reader.bytes(range)).map_err(|_| not_utf8(what, context))
}

fn length_delimited(
    field: &Field,
    number: u32,
    context: &'static str,
) -> Result<Range<usize>, ToFunctionError> {
    field.range(number).map_err(malformed(context))
}

/// Decodes `body`, filling `invocations` (empty, possibly with room from earlier).
pub(crate) fn decode_to_function(
    body: &Bytes,
    mut invocations: Vec<InvocationView>,
) -> Result<Batch<'_>, ToFunctionError> {
    const CONTEXT: &str = "ToFunction";
    let mut reader = Reader::new(body);
    let mut batch = None;
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        if number == 100 {
            let range = length_delimited(&field, 100, CONTEXT)?;
            invocations.clear();
            let mut state = Vec::new();
            let target = decode_batch(reader.nested(range), &mut state, &mut invocations)?;
            batch = Some((target, state));
        }
    }
    let (target, state) = batch.ok_or(ToFunctionError::NoBatch)?;
    Ok(Batch {
        target,
        state,
        invocations,
    })
}

fn decode_batch<'a>(
    mut reader: Reader<'a>,
    state: &mut Vec<StateEntry>,
    invocations: &mut Vec<InvocationView>,
) -> Result<Target<'a>, ToFunctionError> {
    const CONTEXT: &str = "InvocationBatchRequest";
    let mut target = None;
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        match number {
            1 => {
                let range = length_delimited(&field, 1, CONTEXT)?;
                target = Some(decode_target(reader.nested(range))?);
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
    target.ok_or(ToFunctionError::NoTarget)
}

fn decode_target(mut reader: Reader<'_>) -> Result<Target<'_>, ToFunctionError> {
    const CONTEXT: &str = "target Address";
    let mut target = Target {
        namespace: "",
        name: "",
        id: ByteString::new(),
    };
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        match number {
            1 => {
                let range = length_delimited(&field, 1, CONTEXT)?;
                target.namespace = text(&reader, range, "namespace", CONTEXT)?;
            }
            2 => {
                let range = length_delimited(&field, 2, CONTEXT)?;
                target.name = text(&reader, range, "type", CONTEXT)?;
            }
            3 => {
                let range = length_delimited(&field, 3, CONTEXT)?;
                target.id = shared_text(&reader, range, "id", CONTEXT)?;
            }
            _ => {}
        }
    }
    Ok(target)
}

fn decode_state_entry(mut reader: Reader<'_>) -> Result<StateEntry, ToFunctionError> {
    const CONTEXT: &str = "PersistedValue";
    let mut entry = StateEntry {
        name: ByteString::new(),
        value: Bytes::new(),
    };
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        match number {
            1 => {
                let range = length_delimited(&field, 1, CONTEXT)?;
                entry.name = shared_text(&reader, range, "state_name", CONTEXT)?;
            }
            2 => entry.value = reader.slice(length_delimited(&field, 2, CONTEXT)?),
            _ => {}
        }
    }
    Ok(entry)
}

fn decode_invocation(mut reader: Reader<'_>) -> Result<InvocationView, ToFunctionError> {
    const CONTEXT: &str = "Invocation";
    let mut caller = None;
    // An invocation without argument has an empty `Any`, as protobuf's getters give it.
    let mut argument = TypedValueView {
        typename: ByteString::new(),
        has_value: true,
        value: Bytes::new(),
    };
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        match number {
            1 => {
                let range = length_delimited(&field, 1, CONTEXT)?;
                caller = Some(decode_address(reader.nested(range))?);
            }
            2 => {
                let range = length_delimited(&field, 2, CONTEXT)?;
                let (type_url, value) = decode_any(reader.nested(range), "argument Any")?;
                argument.typename = type_url;
                argument.value = value;
            }
            _ => {}
        }
    }
    let caller = caller.filter(|address: &Address| {
        !(address.function_type().namespace().is_empty()
            && address.function_type().name().is_empty()
            && address.id().is_empty())
    });
    Ok(InvocationView {
        caller,
        argument: Some(argument),
    })
}

fn decode_address(mut reader: Reader<'_>) -> Result<Address, ToFunctionError> {
    const CONTEXT: &str = "caller Address";
    let mut parts = [ByteString::new(), ByteString::new(), ByteString::new()];
    while let Some((number, field)) = reader.next_field().map_err(malformed(CONTEXT))? {
        if let n @ 1..=3 = number {
            let range = length_delimited(&field, n, CONTEXT)?;
            parts[n as usize - 1] = shared_text(&reader, range, "caller field", CONTEXT)?;
        }
    }
    let [namespace, r#type, id] = parts;
    Ok(Address::from_parts(
        TypeName::from_parts(namespace, r#type),
        id,
    ))
}

/// A `google.protobuf.Any`: its type URL and value bytes, the latter a slice of the buffer.
pub(crate) fn decode_any(
    mut reader: Reader<'_>,
    context: &'static str,
) -> Result<(ByteString, Bytes), ToFunctionError> {
    let mut type_url = ByteString::new();
    let mut value = Bytes::new();
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                let range = length_delimited(&field, 1, context)?;
                type_url = shared_text(&reader, range, "type_url", context)?;
            }
            2 => value = reader.slice(length_delimited(&field, 2, context)?),
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
        let batch = decode_to_function(&body, Vec::new()).unwrap();
        assert_eq!(
            (batch.target.namespace, batch.target.name, &*batch.target.id),
            ("example", "greeter", "Bob")
        );
        assert_eq!(&*batch.state[0].name, "seen_count");
        assert!(batch.state[0].value.is_empty());
        assert_eq!(&batch.state[1].value[..], [1, 2, 3]);
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
    fn a_truncated_body_is_malformed() {
        let body = Bytes::from_static(&[0xA2, 0x06, 0x05, 0x0A, 0x09, 0x0A]);
        assert!(matches!(
            decode_to_function(&body, Vec::new()),
            Err(ToFunctionError::Malformed { .. })
        ));
        assert!(matches!(
            decode_to_function(&Bytes::new(), Vec::new()),
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
