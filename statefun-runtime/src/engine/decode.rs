//! Reading a function's `FromFunction`.
//!
//! A scan reads the usual response in one pass: each outgoing message's target address
//! (which a new mailbox keeps) and the place of its argument in the body, whose encoding
//! is forwarded as it came. prost allocated a vector, four strings and a value per
//! message, which the engine then encoded again. The scan takes only what it can read
//! exactly as prost would; anything else (an incomplete context, a part sent twice, an
//! argument with fields StateFun does not know, a malformed body) goes to prost's
//! decoder, so what is accepted and how it is read, and every decode error, stay prost's.

use std::ops::Range;

use bytes::Bytes;
use prost::Message;
use statefun_protocol::from_function::{
    DelayedInvocation, EgressMessage, IncompleteInvocationContext, InvocationResponse,
    PersistedValueMutation, Response,
};
use statefun_protocol::{FromFunction, TypedValue};

use statefun_protocol::wire::{self, RECURSION_LIMIT, Reader, Value, WireErrorKind};

use super::address_key::AddressKey;

/// What a function answered.
#[derive(Debug)]
pub(crate) enum Answer {
    /// It needs these states registered before it can take the batch.
    Incomplete(IncompleteInvocationContext),
    /// The effects of the batch.
    Effects(Effects),
}

/// An `InvocationResponse`, its outgoing messages' arguments left in the body.
#[derive(Debug)]
pub(crate) struct Effects {
    /// The response body the arguments are in.
    pub body: Bytes,
    pub messages: Messages,
    pub mutations: Vec<PersistedValueMutation>,
    pub delayed: Vec<DelayedInvocation>,
    pub egresses: Vec<EgressMessage>,
}

/// Outgoing messages in the order they were sent; a response usually sends at most one,
/// which needs no vector.
#[derive(Debug, Default)]
pub(crate) struct Messages {
    first: Option<OutgoingMessage>,
    rest: Vec<OutgoingMessage>,
}

impl Messages {
    fn push(&mut self, message: OutgoingMessage) {
        match self.first {
            None => self.first = Some(message),
            Some(_) => self.rest.push(message),
        }
    }
}

impl IntoIterator for Messages {
    type Item = OutgoingMessage;
    type IntoIter = std::iter::Chain<
        std::option::IntoIter<OutgoingMessage>,
        std::vec::IntoIter<OutgoingMessage>,
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.rest)
    }
}

/// An outgoing message.
#[derive(Debug)]
pub(crate) struct OutgoingMessage {
    pub target: Option<AddressKey>,
    pub argument: Argument,
}

/// An outgoing message's argument.
#[derive(Debug)]
pub(crate) enum Argument {
    /// A `TypedValue`'s encoding at this place of the body, as the function sent it.
    Encoded(Range<usize>),
    Decoded(TypedValue),
    /// None sent: the default `TypedValue`, as prost reads it.
    Absent,
}

/// Reads a `FromFunction`.
pub(crate) fn answer(body: Bytes) -> Result<Answer, prost::DecodeError> {
    if let Some(mut effects) = scan(&body) {
        effects.body = body;
        return Ok(Answer::Effects(effects));
    }
    Ok(match FromFunction::decode(body)?.response {
        Some(Response::IncompleteInvocationContext(context)) => Answer::Incomplete(context),
        Some(Response::InvocationResult(response)) => Answer::Effects(response.into()),
        None => Answer::Effects(InvocationResponse::default().into()),
    })
}

impl From<InvocationResponse> for Effects {
    fn from(response: InvocationResponse) -> Self {
        let mut messages = Messages::default();
        for message in response.outgoing_messages {
            messages.push(OutgoingMessage {
                target: message.target.as_ref().map(AddressKey::from),
                argument: message.argument.map_or(Argument::Absent, Argument::Decoded),
            });
        }
        Self {
            body: Bytes::new(),
            messages,
            mutations: response.state_mutations,
            delayed: response.delayed_invocations,
            egresses: response.outgoing_egresses,
        }
    }
}

/// Reads `body` if it is a `FromFunction` holding one `InvocationResponse` that prost
/// would read as the scan does (the body itself is left for the caller to set); `None`
/// leaves it to prost.
///
/// The mutations, delayed messages and egress records are decoded by prost on their own.
/// prost counts its recursion limit (100 nested messages and groups) from where it
/// starts, so a group nested 97 or more deep in one of them would be refused in the whole
/// body but not on its own; such a part is left to prost's decoding of the whole body.
fn scan(body: &[u8]) -> Option<Effects> {
    let mut from_function = Reader::new(body);
    let mut range = None;
    while let Some((field, value)) = from_function.next_field().ok()? {
        match (field, value) {
            (100, Value::Bytes(bytes)) if range.is_none() => range = Some(bytes),
            // Sent twice (merged by prost), an incomplete context or a bad wire type.
            (100 | 101, _) => return None,
            _ => {}
        }
    }
    // No response at all reads as an empty one.
    let mut response = from_function.nested(range.unwrap_or(0..0));
    let mut scanned = Effects {
        body: Bytes::new(),
        messages: Messages::default(),
        mutations: Vec::new(),
        delayed: Vec::new(),
        egresses: Vec::new(),
    };
    while let Some((field, value)) = response.next_field().ok()? {
        match (field, value) {
            (1, Value::Bytes(part)) => scanned
                .mutations
                .push(PersistedValueMutation::decode(prost_part(body, part)?).ok()?),
            (2, Value::Bytes(part)) => {
                let message = read_message(response.nested(part))?;
                scanned.messages.push(message);
            }
            (3, Value::Bytes(part)) => scanned
                .delayed
                .push(DelayedInvocation::decode(prost_part(body, part)?).ok()?),
            (4, Value::Bytes(part)) => scanned
                .egresses
                .push(EgressMessage::decode(prost_part(body, part)?).ok()?),
            (1..=4, _) => return None,
            _ => {}
        }
    }
    Some(scanned)
}

/// Groups nested this deep need at least one byte to start and one to end each.
const DEEP_GROUPS: usize = 2 * (RECURSION_LIMIT as usize - 3);

/// The bytes of a part for prost to decode on its own; `None` (prost decodes the whole
/// body) when the part is long enough to hide groups nested near prost's limit.
fn prost_part(body: &[u8], part: Range<usize>) -> Option<&[u8]> {
    let bytes = &body[part];
    (bytes.len() < DEEP_GROUPS || !has_deep_groups(bytes)).then_some(bytes)
}

/// Whether `bytes`, read as a message at its place in the body, and every
/// length-delimited field in it as one too, nest groups too deep for prost: a
/// conservative sign (bytes that are no message are not looked into further).
fn has_deep_groups(bytes: &[u8]) -> bool {
    fn deep(mut reader: Reader<'_>, levels: u32) -> bool {
        loop {
            match reader.next_field() {
                Ok(Some((_, Value::Bytes(range)))) => {
                    if levels < 8 && deep(reader.nested(range), levels + 1) {
                        return true;
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => return false,
                Err(error) => return error.kind() == WireErrorKind::RecursionLimit,
            }
        }
    }
    // A mutation, delayed message or egress record is a message at depth 2 of the body.
    let whole = 0..bytes.len();
    deep(Reader::new(bytes).nested(whole.clone()).nested(whole), 0)
}

/// Reads an outgoing `Invocation`: a target address and an argument at most once each.
fn read_message(mut message: Reader<'_>) -> Option<OutgoingMessage> {
    let mut outgoing = OutgoingMessage {
        target: None,
        argument: Argument::Absent,
    };
    while let Some((field, value)) = message.next_field().ok()? {
        match (field, value) {
            (1, Value::Bytes(address)) if outgoing.target.is_none() => {
                let encoded = message.bytes(address.clone());
                outgoing.target = Some(read_address(encoded, message.nested(address))?);
            }
            (2, Value::Bytes(argument)) if matches!(outgoing.argument, Argument::Absent) => {
                check_argument(message.nested(argument.clone()))?;
                outgoing.argument = Argument::Encoded(argument);
            }
            (1 | 2, _) => return None,
            _ => {}
        }
    }
    Some(outgoing)
}

/// Checks a `TypedValue` to forward as it is: only its three fields, rightly typed (a
/// field repeated is read as its last occurrence by every reader alike).
fn check_argument(mut value: Reader<'_>) -> Option<()> {
    while let Some((field, part)) = value.next_field().ok()? {
        match (field, part) {
            (1, Value::Bytes(typename)) => {
                wire::is_utf8(value.bytes(typename)).then_some(())?;
            }
            (2, Value::Varint(_)) | (3, Value::Bytes(_)) => {}
            // Anything else prost would drop: let it, by decoding.
            _ => return None,
        }
    }
    Some(())
}

/// Reads an `Address` as prost does: a string sent twice is its last occurrence, and
/// lengths may take more bytes than needed. What prost itself wrote is the key as it is;
/// anything else is keyed by its canonical encoding, so that each address has one key.
fn read_address(encoded: &[u8], address: Reader<'_>) -> Option<AddressKey> {
    if AddressKey::is_canonical(encoded) {
        return Some(AddressKey::from_canonical(encoded));
    }
    Some(AddressKey::new(wire::read_address(address).ok()?))
}

#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod oracle;
#[cfg(test)]
mod tests;
