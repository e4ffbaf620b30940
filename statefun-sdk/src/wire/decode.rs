//! `ToFunction` decoded as views into the request buffer: strings and payloads are slices
//! of it, nothing is copied. Fields this SDK does not know are skipped, as protobuf
//! requires; a sub-message that occurs twice keeps its last occurrence (proto3 would merge
//! them, which no StateFun runtime relies on).

use bytes::Bytes;
use bytestring::ByteString;
use statefun_protocol::typename;

use super::reader::{Reader, WireError};

use crate::{Address, TypeName};

/// Why a request body is not a usable `ToFunction`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ToFunctionError {
    #[error("the body is not a valid ToFunction message: {context}: {source}")]
    Malformed {
        context: &'static str,
        #[source]
        source: WireError,
    },
    #[error("the ToFunction message has no invocation batch (field 100)")]
    NoBatch,
    #[error("the invocation batch has no target address")]
    NoTarget,
}

fn malformed(context: &'static str) -> impl Fn(WireError) -> ToFunctionError {
    move |source| ToFunctionError::Malformed { context, source }
}

/// A `TypedValue` of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypedValueView {
    pub(crate) typename: ByteString,
    pub(crate) has_value: bool,
    pub(crate) value: Bytes,
}

/// One `PersistedValue`: a registered state and, if it has one, its value.
#[derive(Debug, Clone)]
pub(crate) struct StateEntry {
    /// Where the name is in the request: it is only compared, never kept.
    pub(crate) name: std::ops::Range<usize>,
    pub(crate) value: Option<TypedValueView>,
}

/// One `ToFunction.Invocation`.
#[derive(Debug, Clone)]
pub(crate) struct InvocationView {
    /// `None` when absent or when all three of its fields are empty.
    pub(crate) caller: Option<Address>,
    pub(crate) argument: Option<TypedValueView>,
}

/// The target address of a batch. Its function type is only looked up among the
/// registered ones, so it stays borrowed; the id is kept.
#[derive(Debug, Clone)]
pub(crate) struct Target<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
    pub(crate) id: ByteString,
}

/// The `InvocationBatchRequest` of a `ToFunction`.
#[derive(Debug, Clone)]
pub(crate) struct Batch<'a> {
    pub(crate) target: Target<'a>,
    pub(crate) state: Vec<StateEntry>,
    pub(crate) invocations: Vec<InvocationView>,
}

/// Decodes `body`, filling `state` and `invocations` (empty vectors, usually with room
/// left by an earlier request).
pub(crate) fn decode_to_function(
    body: &Bytes,
    mut state: Vec<StateEntry>,
    mut invocations: Vec<InvocationView>,
) -> Result<Batch<'_>, ToFunctionError> {
    let mut reader = Reader::new(body);
    let mut batch = None;
    while let Some((number, field)) = reader.next_field().map_err(malformed("ToFunction"))? {
        if number == 100 {
            let range = field.range(100).map_err(malformed("ToFunction"))?;
            state.clear();
            invocations.clear();
            let (target, filled_state, filled_invocations) =
                decode_batch(reader.nested(range), state, invocations)?;
            state = filled_state;
            invocations = filled_invocations;
            batch = Some(target);
        }
    }
    let target = batch.ok_or(ToFunctionError::NoBatch)?;
    Ok(Batch {
        target,
        state,
        invocations,
    })
}

type Decoded<'a> = (Target<'a>, Vec<StateEntry>, Vec<InvocationView>);

fn decode_batch<'a>(
    mut reader: Reader<'a>,
    mut state: Vec<StateEntry>,
    mut invocations: Vec<InvocationView>,
) -> Result<Decoded<'a>, ToFunctionError> {
    let context = "InvocationBatchRequest";
    let mut target = None;
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                let range = field.range(1).map_err(malformed(context))?;
                target = Some(decode_target(reader.nested(range))?);
            }
            2 => {
                let range = field.range(2).map_err(malformed(context))?;
                state.push(decode_state_entry(reader.nested(range))?);
            }
            3 => {
                let range = field.range(3).map_err(malformed(context))?;
                invocations.push(decode_invocation(reader.nested(range))?);
            }
            _ => {}
        }
    }
    Ok((target.ok_or(ToFunctionError::NoTarget)?, state, invocations))
}

fn decode_state_entry(mut reader: Reader<'_>) -> Result<StateEntry, ToFunctionError> {
    let context = "PersistedValue";
    let mut name = 0..0;
    let mut value = None;
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => name = field.range(1).map_err(malformed(context))?,
            2 => {
                let range = field.range(2).map_err(malformed(context))?;
                value = Some(decode_typed_value(
                    reader.nested(range),
                    "state TypedValue",
                )?);
            }
            _ => {}
        }
    }
    Ok(StateEntry { name, value })
}

fn decode_invocation(mut reader: Reader<'_>) -> Result<InvocationView, ToFunctionError> {
    let context = "Invocation";
    let mut caller = None;
    let mut argument = None;
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                let range = field.range(1).map_err(malformed(context))?;
                caller = Some(decode_address(reader.nested(range), "caller Address")?);
            }
            2 => {
                let range = field.range(2).map_err(malformed(context))?;
                argument = Some(decode_typed_value(
                    reader.nested(range),
                    "argument TypedValue",
                )?);
            }
            _ => {}
        }
    }
    let caller = caller.filter(|address: &Address| {
        !(address.function_type().namespace().is_empty()
            && address.function_type().name().is_empty()
            && address.id().is_empty())
    });
    Ok(InvocationView { caller, argument })
}

fn utf8(
    reader: &Reader<'_>,
    range: std::ops::Range<usize>,
    what: &'static str,
    context: &'static str,
) -> Result<ByteString, ToFunctionError> {
    ByteString::try_from(reader.slice(range)).map_err(|_| ToFunctionError::Malformed {
        context,
        source: WireError::NotUtf8(what),
    })
}

/// The typenames of the built-in types: nearly every typename a function receives.
const WELL_KNOWN: [&str; 6] = [
    typename::STRING,
    typename::INT,
    typename::LONG,
    typename::BOOL,
    typename::FLOAT,
    typename::DOUBLE,
];

/// A typename field. A well-known one is handed out as a static string: no reference to
/// the request buffer (an atomic increment, and a decrement when dropped) and no UTF-8
/// check.
fn typename_at(
    reader: &Reader<'_>,
    range: std::ops::Range<usize>,
    context: &'static str,
) -> Result<ByteString, ToFunctionError> {
    let bytes = reader.bytes(range.clone());
    match WELL_KNOWN.iter().find(|known| known.as_bytes() == bytes) {
        Some(known) => Ok(ByteString::from_static(known)),
        None => utf8(reader, range, "typename", context),
    }
}

fn text<'a>(
    reader: &Reader<'a>,
    range: std::ops::Range<usize>,
    what: &'static str,
    context: &'static str,
) -> Result<&'a str, ToFunctionError> {
    std::str::from_utf8(reader.bytes(range)).map_err(|_| ToFunctionError::Malformed {
        context,
        source: WireError::NotUtf8(what),
    })
}

fn decode_target(mut reader: Reader<'_>) -> Result<Target<'_>, ToFunctionError> {
    let context = "target Address";
    let mut target = Target {
        namespace: "",
        name: "",
        id: ByteString::new(),
    };
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                let range = field.range(1).map_err(malformed(context))?;
                target.namespace = text(&reader, range, "namespace", context)?;
            }
            2 => {
                let range = field.range(2).map_err(malformed(context))?;
                target.name = text(&reader, range, "type", context)?;
            }
            3 => {
                let range = field.range(3).map_err(malformed(context))?;
                target.id = utf8(&reader, range, "id", context)?;
            }
            _ => {}
        }
    }
    Ok(target)
}

fn decode_address(
    mut reader: Reader<'_>,
    context: &'static str,
) -> Result<Address, ToFunctionError> {
    let (mut namespace, mut r#type, mut id) =
        (ByteString::new(), ByteString::new(), ByteString::new());
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                namespace = utf8(
                    &reader,
                    field.range(1).map_err(malformed(context))?,
                    "namespace",
                    context,
                )?
            }
            2 => {
                r#type = utf8(
                    &reader,
                    field.range(2).map_err(malformed(context))?,
                    "type",
                    context,
                )?
            }
            3 => {
                id = utf8(
                    &reader,
                    field.range(3).map_err(malformed(context))?,
                    "id",
                    context,
                )?
            }
            _ => {}
        }
    }
    Ok(Address::from_parts(
        TypeName::from_parts(namespace, r#type),
        id,
    ))
}

fn decode_typed_value(
    mut reader: Reader<'_>,
    context: &'static str,
) -> Result<TypedValueView, ToFunctionError> {
    let mut view = TypedValueView {
        typename: ByteString::new(),
        has_value: false,
        value: Bytes::new(),
    };
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                view.typename = typename_at(
                    &reader,
                    field.range(1).map_err(malformed(context))?,
                    context,
                )?
            }
            2 => view.has_value = field.varint(2).map_err(malformed(context))? != 0,
            3 => view.value = reader.slice(field.range(3).map_err(malformed(context))?),
            _ => {}
        }
    }
    Ok(view)
}

#[cfg(test)]
mod tests {
    use prost::Message as _;
    use statefun_protocol::to_function::{
        Invocation, InvocationBatchRequest, PersistedValue, Request,
    };
    use statefun_protocol::{Address as WireAddress, ToFunction, TypedValue};

    use super::*;

    fn encode(request: ToFunction) -> Bytes {
        Bytes::from(request.encode_to_vec())
    }

    #[test]
    fn decodes_what_prost_encodes_and_borrows_payloads() {
        let body = encode(ToFunction {
            request: Some(Request::Invocation(InvocationBatchRequest {
                target: Some(WireAddress::new("ns", "fn", "id-1")),
                state: vec![
                    PersistedValue {
                        state_name: "seen".into(),
                        state_value: Some(TypedValue::new(
                            "io.statefun.types/int",
                            vec![0x0D, 1, 0, 0, 0],
                        )),
                    },
                    PersistedValue {
                        state_name: "empty".into(),
                        state_value: None,
                    },
                ],
                invocations: vec![
                    Invocation {
                        caller: Some(WireAddress::new("a", "b", "c")),
                        argument: Some(TypedValue::new("x/y", b"payload".to_vec())),
                    },
                    Invocation {
                        caller: Some(WireAddress::default()),
                        argument: None,
                    },
                ],
            })),
        });
        let batch = decode_to_function(&body, Vec::new(), Vec::new()).unwrap();
        let target = &batch.target;
        assert_eq!(
            (target.namespace, target.name, &target.id[..]),
            ("ns", "fn", "id-1")
        );
        assert_eq!(batch.state.len(), 2);
        assert_eq!(&body[batch.state[0].name.clone()], b"seen");
        assert_eq!(
            batch.state[0].value.as_ref().unwrap().value[..],
            [0x0D, 1, 0, 0, 0]
        );
        assert!(batch.state[1].value.is_none());
        assert_eq!(
            batch.invocations[0].caller.as_ref().unwrap().to_string(),
            "a/b/c"
        );
        let argument = batch.invocations[0].argument.as_ref().unwrap();
        assert_eq!(&argument.typename[..], "x/y");
        assert!(argument.has_value);
        let range = body.as_ptr_range();
        assert!(
            range.contains(&argument.value.as_ptr()),
            "the payload is a slice of the body"
        );
        assert!(
            batch.invocations[1].caller.is_none(),
            "an all-empty caller is no caller"
        );
        assert!(batch.invocations[1].argument.is_none());
    }

    #[test]
    fn rejects_a_request_without_batch_or_target() {
        assert_eq!(
            decode_to_function(&Bytes::new(), Vec::new(), Vec::new()).unwrap_err(),
            ToFunctionError::NoBatch
        );
        let no_target = encode(ToFunction {
            request: Some(Request::Invocation(InvocationBatchRequest::default())),
        });
        assert_eq!(
            decode_to_function(&no_target, Vec::new(), Vec::new()).unwrap_err(),
            ToFunctionError::NoTarget
        );
    }

    #[test]
    fn names_the_malformed_part() {
        // field 100, length 3, then a truncated Address inside
        let body = Bytes::from_static(&[0xA2, 0x06, 0x03, 0x0A, 0x05, 0x00]);
        let message = decode_to_function(&body, Vec::new(), Vec::new())
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("InvocationBatchRequest") && message.contains("field 1"),
            "{message}"
        );
        let not_utf8 = Bytes::from_static(&[0xA2, 0x06, 0x04, 0x0A, 0x02, 0x0A, 0x00]);
        assert!(
            decode_to_function(&not_utf8, Vec::new(), Vec::new()).is_ok(),
            "an empty namespace is fine"
        );
        let bad = Bytes::from_static(&[0xA2, 0x06, 0x05, 0x0A, 0x03, 0x0A, 0x01, 0xFF]);
        let message = decode_to_function(&bad, Vec::new(), Vec::new())
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("namespace is not valid UTF-8"),
            "{message}"
        );
    }

    #[test]
    fn skips_unknown_fields() {
        let mut body = vec![0xF8, 0x06, 0x01]; // field 111 varint 1
        body.extend(
            ToFunction {
                request: Some(Request::Invocation(InvocationBatchRequest {
                    target: Some(WireAddress::new("ns", "fn", "id")),
                    ..Default::default()
                })),
            }
            .encode_to_vec(),
        );
        assert!(decode_to_function(&Bytes::from(body), Vec::new(), Vec::new()).is_ok());
    }
}
