//! `ToFunction` decoded as views into the request buffer: strings and payloads are slices
//! of it, nothing is copied. What is accepted and how it reads are prost's: unknown fields
//! (groups too) are skipped, strings must be UTF-8, and a message that occurs twice is
//! merged into the first as prost merges it (the batch of a repeated field 100 gathers
//! the states and invocations of all of them, a repeated address or value takes each
//! field's last occurrence).
//!
//! Memory stays proportional to the body: the first [`EAGER`] invocations and states
//! are decoded up front; the rest of a larger batch is checked up front (so a malformed
//! request fails before any function runs) and decoded again one by one as the functions
//! take them.

use std::collections::VecDeque;
use std::ops::Range;

use bytes::Bytes;
use bytestring::ByteString;

use super::fields::{
    Target, caller_address, decode_address, decode_target, malformed, text, typename_at,
};
use super::reader::{Reader, WireError};

use crate::Address;

/// How many invocations (and states) a request decodes before it switches to checking
/// and decoding lazily: the spare buffers' size, so that the usual batch takes no
/// allocation and a huge one takes no more memory than this many views.
pub(crate) const EAGER: usize = 1024;

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

/// A `TypedValue` of the request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TypedValueView {
    pub(crate) typename: ByteString,
    pub(crate) has_value: bool,
    pub(crate) value: Bytes,
}

/// One `PersistedValue`: a registered state and, if it has one, its value.
#[derive(Debug, Clone)]
pub(crate) struct StateEntry {
    /// Where the name is in the request: it is only compared, never kept.
    pub(crate) name: Range<usize>,
    pub(crate) value: Option<TypedValueView>,
}

/// One `ToFunction.Invocation`.
#[derive(Debug, Clone, Default)]
pub(crate) struct InvocationView {
    /// `None` when absent or when all three of its fields are empty.
    pub(crate) caller: Option<Address>,
    pub(crate) argument: Option<TypedValueView>,
}

/// The `InvocationBatchRequest` of a `ToFunction`.
#[derive(Debug)]
pub(crate) struct Batch<'a> {
    pub(crate) target: Target<'a>,
    pub(crate) states: States,
    pub(crate) invocations: Invocations,
}

/// The places of the `InvocationBatchRequest`s of a body (nearly always one).
#[derive(Debug, Clone, Default)]
struct Segments {
    first: Range<usize>,
    more: Vec<Range<usize>>,
}

impl Segments {
    fn push(&mut self, range: Range<usize>, count: usize) {
        if count == 0 {
            self.first = range;
        } else {
            self.more.push(range);
        }
    }

    fn get(&self, index: usize) -> Option<Range<usize>> {
        match index {
            0 => Some(self.first.clone()),
            _ => self.more.get(index - 1).cloned(),
        }
    }
}

/// Where lazy decoding resumes: the body and the batch fields left to read.
#[derive(Debug, Clone)]
struct Rest {
    body: Bytes,
    segments: Segments,
    segment: usize,
    position: usize,
}

impl Rest {
    /// The next field numbered `wanted` of the remaining batch fields, read by `read`.
    fn next<T>(
        &mut self,
        wanted: u32,
        read: impl Fn(&Reader<'_>, Range<usize>) -> Result<T, ToFunctionError>,
    ) -> Option<T> {
        while let Some(segment) = self.segments.get(self.segment) {
            let mut reader =
                Reader::new(&self.body).nested(self.position.max(segment.start)..segment.end);
            // Checked before the batch ran: a failure here is a bug of this module.
            while let Some((number, field)) = reader.next_field().expect("a checked batch") {
                if number == wanted {
                    let range = field.bytes(wanted).expect("a checked batch");
                    self.position = reader.position();
                    return Some(read(&reader, range).expect("a checked batch"));
                }
            }
            self.segment += 1;
            self.position = 0;
        }
        None
    }
}

/// The invocations of a batch, in order, each taken once.
#[derive(Debug)]
pub(crate) struct Invocations {
    /// A queue over the decoding buffer, so that taking an invocation moves it out.
    decoded: VecDeque<InvocationView>,
    // Boxed: batches past EAGER are rare, and this is moved along with every batch.
    rest: Option<Box<Rest>>,
    len: usize,
}

impl Invocations {
    /// Invocations decoded up front, all of them: what the 2.x decoder produces.
    pub(crate) fn decoded(decoded: Vec<InvocationView>) -> Self {
        Self {
            len: decoded.len(),
            decoded: decoded.into(),
            rest: None,
        }
    }

    /// How many invocations the batch holds.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The next invocation: a decoded one moved out of the queue (nothing is left behind
    /// to drop), then the rest decoded as they are taken.
    #[inline]
    pub(crate) fn next(&mut self) -> Option<InvocationView> {
        if let Some(invocation) = self.decoded.pop_front() {
            return Some(invocation);
        }
        self.rest
            .as_mut()?
            .next(3, |reader, range| decode_invocation(reader.nested(range)))
    }

    /// The emptied buffer, for the next request.
    pub(crate) fn into_buffer(mut self) -> Vec<InvocationView> {
        self.decoded.clear();
        // Without data movement: the queue is empty.
        self.decoded.into()
    }
}

/// The `PersistedValue`s of a batch.
#[derive(Debug)]
pub(crate) struct States {
    decoded: Vec<StateEntry>,
    /// The whole batch, when it holds more states than were decoded.
    all: Option<Box<Rest>>,
}

impl States {
    /// The last entry named `name` (the runtime sends each name once; if it repeats one,
    /// the last wins), its value taken.
    pub(crate) fn take_last(&mut self, body: &[u8], name: &[u8]) -> Option<StateEntry> {
        if let Some(all) = &self.all {
            let mut all = Rest::clone(all);
            let mut last = None;
            while let Some(entry) =
                all.next(2, |reader, range| decode_state_entry(reader.nested(range)))
            {
                if body[entry.name.clone()] == *name {
                    last = Some(entry);
                }
            }
            return last;
        }
        let entry = self
            .decoded
            .iter_mut()
            .rev()
            .find(|entry| body[entry.name.clone()] == *name)?;
        Some(StateEntry {
            name: entry.name.clone(),
            value: entry.value.take(),
        })
    }

    /// The emptied buffer, for the next request.
    pub(crate) fn into_buffer(mut self) -> Vec<StateEntry> {
        self.decoded.clear();
        self.decoded
    }
}

/// What the first pass over the batches collects.
struct Collected<'a> {
    target: Option<Target<'a>>,
    states: Vec<StateEntry>,
    state_count: usize,
    invocations: Vec<InvocationView>,
    invocation_count: usize,
    /// Where the first invocation not decoded is: segment and position.
    lazy_from: Option<(usize, usize)>,
}

/// Decodes `body`, filling `states` and `invocations` (empty vectors, usually with room
/// left by an earlier request).
pub(crate) fn decode_to_function(
    body: &Bytes,
    states: Vec<StateEntry>,
    invocations: Vec<InvocationView>,
) -> Result<Batch<'_>, ToFunctionError> {
    let mut reader = Reader::new(body);
    let mut segments = Segments::default();
    let mut count = 0;
    let mut collected = Collected {
        target: None,
        states,
        state_count: 0,
        invocations,
        invocation_count: 0,
        lazy_from: None,
    };
    while let Some((number, field)) = reader.next_field().map_err(malformed("ToFunction"))? {
        if number == 100 {
            let range = field.bytes(100).map_err(malformed("ToFunction"))?;
            decode_batch(reader.nested(range.clone()), count, &mut collected)?;
            segments.push(range, count);
            count += 1;
        }
    }
    if count == 0 {
        return Err(ToFunctionError::NoBatch);
    }
    let target = collected.target.ok_or(ToFunctionError::NoTarget)?;
    let rest = |segment, position| {
        Box::new(Rest {
            body: body.clone(),
            segments: segments.clone(),
            segment,
            position,
        })
    };
    let states = States {
        all: (collected.state_count > collected.states.len()).then(|| rest(0, 0)),
        decoded: collected.states,
    };
    let invocations = Invocations {
        rest: collected
            .lazy_from
            .map(|(segment, position)| rest(segment, position)),
        decoded: collected.invocations.into(),
        len: collected.invocation_count,
    };
    Ok(Batch {
        target,
        states,
        invocations,
    })
}

fn decode_batch<'a>(
    mut reader: Reader<'a>,
    segment: usize,
    collected: &mut Collected<'a>,
) -> Result<(), ToFunctionError> {
    let context = "InvocationBatchRequest";
    loop {
        let position = reader.position();
        let Some((number, field)) = reader.next_field().map_err(malformed(context))? else {
            return Ok(());
        };
        match number {
            1 => {
                let range = field.bytes(1).map_err(malformed(context))?;
                let target = collected.target.get_or_insert_with(Target::empty);
                decode_target(reader.nested(range), target)?;
            }
            2 => {
                let range = field.bytes(2).map_err(malformed(context))?;
                let entry = decode_state_entry(reader.nested(range))?;
                if collected.states.len() < EAGER {
                    collected.states.push(entry);
                }
                collected.state_count += 1;
            }
            3 => {
                let range = field.bytes(3).map_err(malformed(context))?;
                let invocation = decode_invocation(reader.nested(range))?;
                if collected.invocations.len() < EAGER {
                    collected.invocations.push(invocation);
                } else if collected.lazy_from.is_none() {
                    collected.lazy_from = Some((segment, position));
                }
                collected.invocation_count += 1;
            }
            _ => {}
        }
    }
}

#[inline(always)]
fn decode_state_entry(mut reader: Reader<'_>) -> Result<StateEntry, ToFunctionError> {
    let context = "PersistedValue";
    let mut name = 0..0;
    let mut value: Option<TypedValueView> = None;
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                let range = field.bytes(1).map_err(malformed(context))?;
                text(&reader, range.clone(), "state name", context)?;
                name = range;
            }
            2 => {
                let range = field.bytes(2).map_err(malformed(context))?;
                decode_typed_value(
                    reader.nested(range),
                    value.get_or_insert_default(),
                    "state TypedValue",
                )?;
            }
            _ => {}
        }
    }
    Ok(StateEntry { name, value })
}

#[inline(always)]
fn decode_invocation(mut reader: Reader<'_>) -> Result<InvocationView, ToFunctionError> {
    let context = "Invocation";
    let mut caller: Option<[Range<usize>; 3]> = None;
    let mut argument: Option<TypedValueView> = None;
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                let range = field.bytes(1).map_err(malformed(context))?;
                decode_address(reader.nested(range), caller.get_or_insert_default())?;
            }
            2 => {
                let range = field.bytes(2).map_err(malformed(context))?;
                decode_typed_value(
                    reader.nested(range),
                    argument.get_or_insert_default(),
                    "argument TypedValue",
                )?;
            }
            _ => {}
        }
    }
    let caller = caller_address(&reader, caller)?;
    Ok(InvocationView { caller, argument })
}

/// A `TypedValue`, merged into `view` as prost merges a repeated message.
#[inline(always)]
fn decode_typed_value(
    mut reader: Reader<'_>,
    view: &mut TypedValueView,
    context: &'static str,
) -> Result<(), ToFunctionError> {
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                view.typename = typename_at(
                    &reader,
                    field.bytes(1).map_err(malformed(context))?,
                    "typename",
                    context,
                )?
            }
            2 => view.has_value = field.varint(2).map_err(malformed(context))? != 0,
            3 => view.value = reader.slice(field.bytes(3).map_err(malformed(context))?),
            _ => {}
        }
    }
    Ok(())
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

    fn decode(body: &Bytes) -> Result<Batch<'_>, ToFunctionError> {
        decode_to_function(body, Vec::new(), Vec::new())
    }

    fn all_invocations(batch: &mut Batch<'_>) -> Vec<InvocationView> {
        std::iter::from_fn(|| batch.invocations.next()).collect()
    }

    fn batch_of(invocations: Vec<Invocation>, state: Vec<PersistedValue>) -> ToFunction {
        ToFunction {
            request: Some(Request::Invocation(InvocationBatchRequest {
                target: Some(WireAddress::new("ns", "fn", "id")),
                state,
                invocations,
            })),
        }
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
        let mut batch = decode(&body).unwrap();
        let target = &batch.target;
        assert_eq!(
            (target.namespace, target.name, &target.id[..]),
            ("ns", "fn", "id-1")
        );
        let seen = batch.states.take_last(&body, b"seen").unwrap();
        assert_eq!(&body[seen.name.clone()], b"seen");
        assert_eq!(seen.value.unwrap().value[..], [0x0D, 1, 0, 0, 0]);
        assert!(
            batch
                .states
                .take_last(&body, b"empty")
                .unwrap()
                .value
                .is_none()
        );
        assert!(batch.states.take_last(&body, b"other").is_none());
        assert_eq!(batch.invocations.len(), 2);
        let invocations = all_invocations(&mut batch);
        assert_eq!(invocations[0].caller.as_ref().unwrap().to_string(), "a/b/c");
        let argument = invocations[0].argument.as_ref().unwrap();
        assert_eq!(&argument.typename[..], "x/y");
        assert!(argument.has_value);
        let range = body.as_ptr_range();
        assert!(
            range.contains(&argument.value.as_ptr()),
            "the payload is a slice of the body"
        );
        assert!(
            invocations[1].caller.is_none(),
            "an all-empty caller is no caller"
        );
        assert!(invocations[1].argument.is_none());
    }

    #[test]
    fn skips_groups_in_unknown_fields() {
        // An Invocation holding, before its argument, an unknown group 7 with a varint and
        // a nested group 8 inside.
        let mut invocation = vec![0x3B, 0x08, 0x01, 0x43, 0x44, 0x3C];
        invocation.extend(
            Invocation {
                caller: None,
                argument: Some(TypedValue::new("x/y", b"v".to_vec())),
            }
            .encode_to_vec(),
        );
        let mut batch = InvocationBatchRequest {
            target: Some(WireAddress::new("ns", "fn", "id")),
            ..Default::default()
        }
        .encode_to_vec();
        batch.push(0x1A);
        batch.push(invocation.len() as u8);
        batch.extend(&invocation);
        let mut body = vec![0xA2, 0x06, batch.len() as u8];
        body.extend(&batch);
        let body = Bytes::from(body);
        let theirs = ToFunction::decode(body.clone()).expect("prost skips the group");
        let Some(Request::Invocation(theirs)) = theirs.request else {
            panic!()
        };
        let mut ours = decode(&body).unwrap();
        let invocations = all_invocations(&mut ours);
        assert_eq!(invocations.len(), theirs.invocations.len());
        assert_eq!(&invocations[0].argument.as_ref().unwrap().value[..], b"v");
        // An end without a start, and a group that does not end, are errors (as in prost).
        for bad in [&[0xA2, 0x06, 0x01, 0x3C][..], &[0xA2, 0x06, 0x01, 0x3B]] {
            let bad = Bytes::copy_from_slice(bad);
            assert!(ToFunction::decode(bad.clone()).is_err());
            assert!(decode(&bad).is_err(), "{bad:02x?}");
        }
    }

    #[test]
    fn rejects_what_prost_rejects_in_varints_and_keys() {
        // A 10-byte varint whose last byte is 2: an unknown field 5's value.
        let mut too_long = vec![0x28];
        too_long.extend([0xFF; 9]);
        too_long.push(0x02);
        // Field 2^29 (a 33-bit key) with a varint.
        let big_field = vec![0x80, 0x80, 0x80, 0x80, 0x10, 0x00];
        for unknown in [too_long, big_field] {
            let mut body = unknown.clone();
            body.extend(batch_of(vec![], vec![]).encode_to_vec());
            let body = Bytes::from(body);
            assert!(
                ToFunction::decode(body.clone()).is_err(),
                "prost rejects {unknown:02x?}"
            );
            assert!(
                matches!(decode(&body), Err(ToFunctionError::Malformed { .. })),
                "{unknown:02x?}"
            );
        }
    }

    #[test]
    fn state_names_must_be_utf8() {
        let body = encode(batch_of(
            vec![],
            vec![PersistedValue {
                state_name: "seen".into(),
                state_value: None,
            }],
        ));
        let mut bytes = body.to_vec();
        let at = bytes.windows(4).position(|w| w == b"seen").unwrap();
        bytes[at] = 0xFF;
        let bad = Bytes::from(bytes);
        assert!(ToFunction::decode(bad.clone()).is_err());
        let message = decode(&bad).unwrap_err().to_string();
        assert!(
            message.contains("state name is not valid UTF-8"),
            "{message}"
        );
    }

    #[test]
    fn a_repeated_batch_merges_as_prost_merges_it() {
        let first = batch_of(
            vec![Invocation {
                caller: None,
                argument: Some(TypedValue::new("x/y", b"1".to_vec())),
            }],
            vec![PersistedValue {
                state_name: "a".into(),
                state_value: None,
            }],
        );
        let second = ToFunction {
            request: Some(Request::Invocation(InvocationBatchRequest {
                // Only the id: the namespace and type of the first stay.
                target: Some(WireAddress::new("", "", "other")),
                state: vec![],
                invocations: vec![Invocation {
                    caller: Some(WireAddress::new("c", "", "")),
                    argument: Some(TypedValue::new("x/y", b"2".to_vec())),
                }],
            })),
        };
        let mut body = first.encode_to_vec();
        body.extend(second.encode_to_vec());
        let body = Bytes::from(body);
        let Some(Request::Invocation(theirs)) = ToFunction::decode(body.clone()).unwrap().request
        else {
            panic!()
        };
        let mut ours = decode(&body).unwrap();
        let target = theirs.target.unwrap();
        assert_eq!(
            (ours.target.namespace, ours.target.name, &ours.target.id[..]),
            (&target.namespace[..], &target.r#type[..], &target.id[..])
        );
        assert!(ours.states.take_last(&body, b"a").is_some());
        let invocations = all_invocations(&mut ours);
        let values: Vec<&[u8]> = invocations
            .iter()
            .map(|i| &i.argument.as_ref().unwrap().value[..])
            .collect();
        assert_eq!(values, [b"1", b"2"]);
        assert_eq!(theirs.invocations.len(), 2);
        assert_eq!(invocations[1].caller.as_ref().unwrap().to_string(), "c//");
    }

    #[test]
    fn a_large_batch_is_checked_whole_and_decoded_lazily() {
        let count = EAGER * 2 + 7;
        let invocations = (0..count)
            .map(|i| Invocation {
                caller: None,
                argument: Some(TypedValue::new("x/y", i.to_string().into_bytes())),
            })
            .collect();
        let states = (0..EAGER + 3)
            .map(|i| PersistedValue {
                state_name: format!("s{}", i % (EAGER + 1)),
                state_value: Some(TypedValue::new("x/y", i.to_string().into_bytes())),
            })
            .collect();
        let request = batch_of(invocations, states);
        let body = encode(request.clone());
        let mut batch = decode(&body).unwrap();
        assert_eq!(batch.invocations.len(), count);
        let values: Vec<String> = all_invocations(&mut batch)
            .iter()
            .map(|i| String::from_utf8(i.argument.as_ref().unwrap().value.to_vec()).unwrap())
            .collect();
        assert_eq!(
            values,
            (0..count).map(|i| i.to_string()).collect::<Vec<_>>()
        );
        // Names repeat past EAGER + 1 entries: the last one wins.
        let s0 = batch.states.take_last(&body, b"s0").unwrap();
        assert_eq!(
            &s0.value.unwrap().value[..],
            (EAGER + 1).to_string().as_bytes()
        );
        let s5 = batch.states.take_last(&body, b"s5").unwrap();
        assert_eq!(&s5.value.unwrap().value[..], b"5");

        // A bad invocation at the very end fails the whole request up front.
        let mut bytes = body.to_vec();
        let last = bytes.len() - 1;
        bytes[last] = 0xFF;
        let typename_at = bytes.len() - 1 - count.to_string().len() - 1 - 2 - 3;
        bytes[typename_at] = 0xFF;
        let bad = Bytes::from(bytes);
        assert!(ToFunction::decode(bad.clone()).is_err());
        assert!(decode(&bad).is_err());
    }

    #[test]
    fn rejects_a_request_without_batch_or_target() {
        assert_eq!(decode(&Bytes::new()).unwrap_err(), ToFunctionError::NoBatch);
        let no_target = encode(ToFunction {
            request: Some(Request::Invocation(InvocationBatchRequest::default())),
        });
        assert_eq!(decode(&no_target).unwrap_err(), ToFunctionError::NoTarget);
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
        assert!(decode(&Bytes::from(body)).is_ok());
    }
}
