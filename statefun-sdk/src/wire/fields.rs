//! Readers of the fields both protocol generations encode alike: strings, typenames (a
//! 3.x typename, a 2.x type URL), the target address of a batch and a caller address.
//! Each checks what prost checks and names what was wrong in its error.
//!
//! The per-invocation readers are inlined into each decoder's loop, as they were when each
//! decoder had its own copy: called from two decoders, the compiler would otherwise keep
//! them out of line, which costs the 3.x hot path a call and its copies per invocation.

use std::ops::Range;

use bytestring::ByteString;
use statefun_protocol::typename;

use super::decode::ToFunctionError;
use super::reader::{Reader, WireError};
use crate::{Address, TypeName};

/// The error for a field of the message named `context` that is not what it must be.
pub(crate) fn malformed(context: &'static str) -> impl Fn(WireError) -> ToFunctionError {
    move |source| ToFunctionError::Malformed { context, source }
}

/// The string at `range`, checked to be UTF-8, sharing the request buffer.
pub(crate) fn utf8(
    reader: &Reader<'_>,
    range: Range<usize>,
    what: &'static str,
    context: &'static str,
) -> Result<ByteString, ToFunctionError> {
    ByteString::try_from(reader.slice(range)).map_err(|_| ToFunctionError::Malformed {
        context,
        source: WireError::not_utf8(what),
    })
}

/// The string at `range`, checked to be UTF-8, borrowed from the request buffer.
#[inline(always)]
pub(crate) fn text<'a>(
    reader: &Reader<'a>,
    range: Range<usize>,
    what: &'static str,
    context: &'static str,
) -> Result<&'a str, ToFunctionError> {
    statefun_protocol::wire::utf8(reader.bytes(range), what).map_err(malformed(context))
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

/// A typename field (`what`: a typename or a type URL). A well-known one is handed out
/// as a static string: no reference to the request buffer (an atomic increment, and a
/// decrement when dropped) and no UTF-8 check.
#[inline(always)]
pub(crate) fn typename_at(
    reader: &Reader<'_>,
    range: Range<usize>,
    what: &'static str,
    context: &'static str,
) -> Result<ByteString, ToFunctionError> {
    let bytes = reader.bytes(range.clone());
    match WELL_KNOWN.iter().find(|known| known.as_bytes() == bytes) {
        Some(known) => Ok(ByteString::from_static(known)),
        None => utf8(reader, range, what, context),
    }
}

/// The target address of a batch. Its function type is only looked up among the
/// registered ones, so it stays borrowed; the id is kept.
#[derive(Debug, Clone)]
pub(crate) struct Target<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
    pub(crate) id: ByteString,
}

impl Target<'_> {
    /// What a batch's target is before its first field: all three empty.
    pub(crate) fn empty() -> Self {
        Target {
            namespace: "",
            name: "",
            id: ByteString::new(),
        }
    }
}

/// A batch's target `Address`, merged into `target` as prost merges a repeated message.
pub(crate) fn decode_target<'a>(
    mut reader: Reader<'a>,
    target: &mut Target<'a>,
) -> Result<(), ToFunctionError> {
    let context = "target Address";
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        match number {
            1 => {
                let range = field.bytes(1).map_err(malformed(context))?;
                target.namespace = text(&reader, range, "namespace", context)?;
            }
            2 => {
                let range = field.bytes(2).map_err(malformed(context))?;
                target.name = text(&reader, range, "type", context)?;
            }
            3 => {
                let range = field.bytes(3).map_err(malformed(context))?;
                target.id = utf8(&reader, range, "id", context)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A caller `Address`, merged into `parts` as prost merges a repeated message: the
/// places of its three strings, of which only the last occurrences are kept (and checked
/// to be UTF-8 when [`caller_address`] makes them strings).
#[inline(always)]
pub(crate) fn decode_address(
    mut reader: Reader<'_>,
    parts: &mut [Range<usize>; 3],
) -> Result<(), ToFunctionError> {
    const WHAT: [&str; 3] = ["namespace", "type", "id"];
    let context = "caller Address";
    while let Some((number, field)) = reader.next_field().map_err(malformed(context))? {
        if let 1..=3 = number {
            let index = number as usize - 1;
            let range = field.bytes(number).map_err(malformed(context))?;
            // prost checks every occurrence, also one replaced later.
            let replaced = std::mem::replace(&mut parts[index], range);
            if !replaced.is_empty() {
                text(&reader, replaced, WHAT[index], context)?;
            }
        }
    }
    Ok(())
}

/// The caller whose strings [`decode_address`] found: `None` when there was none or all
/// three strings are empty, as the SDKs read an unset caller.
#[inline(always)]
pub(crate) fn caller_address(
    reader: &Reader<'_>,
    parts: Option<[Range<usize>; 3]>,
) -> Result<Option<Address>, ToFunctionError> {
    match parts {
        Some([namespace, r#type, id])
            if !(namespace.is_empty() && r#type.is_empty() && id.is_empty()) =>
        {
            let context = "caller Address";
            Ok(Some(Address::from_parts(
                TypeName::from_parts(
                    utf8(reader, namespace, "namespace", context)?,
                    utf8(reader, r#type, "type", context)?,
                ),
                utf8(reader, id, "id", context)?,
            )))
        }
        _ => Ok(None),
    }
}
