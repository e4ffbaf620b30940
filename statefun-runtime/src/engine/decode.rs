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

use super::address_key::{AddressKey, AddressParts, is_utf8};

const VARINT: u8 = 0;
const I64: u8 = 1;
const LEN: u8 = 2;
const I32: u8 = 5;

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
fn scan(body: &[u8]) -> Option<Effects> {
    let mut from_function = Reader::new(body);
    let mut range = None;
    while !from_function.is_empty() {
        let (field, wire) = from_function.key()?;
        match (field, wire) {
            (100, LEN) if range.is_none() => {
                range = Some(place(body, from_function.bytes()?));
            }
            // Sent twice (merged by prost), an incomplete context or a bad wire type.
            (100 | 101, _) => return None,
            (_, wire) => from_function.skip(wire)?,
        }
    }
    // No response at all reads as an empty one.
    let range = range.unwrap_or(0..0);
    let mut scanned = Effects {
        body: Bytes::new(),
        messages: Messages::default(),
        mutations: Vec::new(),
        delayed: Vec::new(),
        egresses: Vec::new(),
    };
    let mut response = Reader::new(&body[range]);
    while !response.is_empty() {
        let (field, wire) = response.key()?;
        match (field, wire) {
            (1, LEN) => scanned
                .mutations
                .push(PersistedValueMutation::decode(response.bytes()?).ok()?),
            (2, LEN) => {
                let message = read_message(body, response.bytes()?)?;
                scanned.messages.push(message);
            }
            (3, LEN) => scanned
                .delayed
                .push(DelayedInvocation::decode(response.bytes()?).ok()?),
            (4, LEN) => scanned
                .egresses
                .push(EgressMessage::decode(response.bytes()?).ok()?),
            (1..=4, _) => return None,
            (_, wire) => response.skip(wire)?,
        }
    }
    Some(scanned)
}

/// Where `part`, a slice of `body`, is in it.
fn place(body: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - body.as_ptr() as usize;
    debug_assert!(start + part.len() <= body.len(), "a slice of the body");
    start..start + part.len()
}

/// Reads an outgoing `Invocation` of `body`: a target address and an argument at most
/// once each.
fn read_message(body: &[u8], bytes: &[u8]) -> Option<OutgoingMessage> {
    let mut message = Reader::new(bytes);
    let mut outgoing = OutgoingMessage {
        target: None,
        argument: Argument::Absent,
    };
    while !message.is_empty() {
        match message.key()? {
            (1, LEN) if outgoing.target.is_none() => {
                outgoing.target = Some(read_address(message.bytes()?)?);
            }
            (2, LEN) if matches!(outgoing.argument, Argument::Absent) => {
                let argument = message.bytes()?;
                check_argument(argument)?;
                outgoing.argument = Argument::Encoded(place(body, argument));
            }
            (1 | 2, _) => return None,
            (_, wire) => message.skip(wire)?,
        }
    }
    Some(outgoing)
}

/// Checks a `TypedValue` to forward as it is: only its three fields, rightly typed (a
/// field repeated is read as its last occurrence by every reader alike).
fn check_argument(bytes: &[u8]) -> Option<()> {
    let mut value = Reader::new(bytes);
    while !value.is_empty() {
        match value.key()? {
            (1, LEN) => {
                is_utf8(value.bytes()?).then_some(())?;
            }
            (2, VARINT) => {
                value.varint()?;
            }
            (3, LEN) => {
                value.bytes()?;
            }
            // Anything else prost would drop: let it, by decoding.
            _ => return None,
        }
    }
    Some(())
}

/// Reads an `Address` as prost does: a string sent twice is its last occurrence. What
/// prost itself wrote is the key as it is.
fn read_address(bytes: &[u8]) -> Option<AddressKey> {
    if AddressKey::is_canonical(bytes) {
        return Some(AddressKey::from_canonical(bytes));
    }
    let mut reader = Reader::new(bytes);
    let mut parts = ["", "", ""];
    while !reader.is_empty() {
        match reader.key()? {
            (field @ 1..=3, LEN) => {
                parts[field as usize - 1] = std::str::from_utf8(reader.bytes()?).ok()?;
            }
            (1..=3, _) => return None,
            (_, wire) => reader.skip(wire)?,
        }
    }
    Some(AddressKey::new(AddressParts {
        namespace: parts[0],
        r#type: parts[1],
        id: parts[2],
    }))
}

/// Protobuf wire format, strict where prost is: `None` on anything it would reject, and on
/// groups, which the scan leaves to prost.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn varint(&mut self) -> Option<u64> {
        // Keys and lengths of small fields take one byte.
        if let Some((&byte, rest)) = self.rest.split_first()
            && byte < 0x80
        {
            self.rest = rest;
            return Some(u64::from(byte));
        }
        let mut value = 0u64;
        for (index, &byte) in self.rest.iter().enumerate().take(10) {
            // The tenth byte holds the 64th bit only.
            if index == 9 && byte > 1 {
                return None;
            }
            value |= u64::from(byte & 0x7F) << (7 * index);
            if byte < 0x80 {
                self.rest = &self.rest[index + 1..];
                return Some(value);
            }
        }
        None
    }

    /// A field number (1 to 2^29 - 1) and a wire type.
    fn key(&mut self) -> Option<(u32, u8)> {
        let key = u32::try_from(self.varint()?).ok()?;
        let field = key >> 3;
        (field != 0).then_some((field, (key & 7) as u8))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        let bytes = self.rest.get(..len)?;
        self.rest = &self.rest[len..];
        Some(bytes)
    }

    fn skip(&mut self, wire: u8) -> Option<()> {
        let len = match wire {
            VARINT => return self.varint().map(|_| ()),
            LEN => return self.bytes().map(|_| ()),
            I64 => 8,
            I32 => 4,
            _ => return None,
        };
        self.rest = self.rest.get(len..)?;
        Some(())
    }
}

#[cfg(test)]
mod tests;
