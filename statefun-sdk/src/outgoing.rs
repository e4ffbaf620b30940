//! Messages a function sends to other functions, now or later.

use bytes::Bytes;
use bytestring::ByteString;

use crate::effects::{OutMessage, TypedPayload};
use crate::types::ValueError;
use crate::{Address, TypeName};

/// Why a message, delayed message, cancellation or egress record was refused. The SDK
/// rejects what the StateFun runtime would otherwise turn into a job failure.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct MessageError(Box<MessageErrorKind>);

impl From<MessageErrorKind> for MessageError {
    fn from(kind: MessageErrorKind) -> Self {
        MessageError(Box::new(kind))
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum MessageErrorKind {
    #[error("a cancellation token must not be empty")]
    EmptyToken,
    #[error("the delay of {millis} ms does not fit the protocol's signed 64-bit milliseconds")]
    DelayTooLong { millis: u128 },
    #[error("the cancellation token `{0}` is already used by a delayed message of this batch")]
    DuplicateToken(String),
    #[error("a {record} needs a {field}")]
    MissingField {
        record: &'static str,
        field: &'static str,
    },
    #[error("a Kafka record's topic must not be empty")]
    EmptyKafkaTopic,
    #[error("a Kinesis record's partition key must not be empty")]
    EmptyPartitionKey,
    #[error("a playground egress record needs a topic")]
    EmptyTopic,
    #[error(
        "cannot reply: the message to {target} has no caller (it came from an ingress, not from a function)"
    )]
    NoCaller { target: String },
    #[error(transparent)]
    Value(#[from] ValueError),
    #[error(transparent)]
    TypeName(#[from] crate::TypeNameError),
}

impl MessageError {
    /// Whether [`Context::reply`](crate::Context::reply) was called for a message that has
    /// no caller to reply to.
    pub fn is_no_caller(&self) -> bool {
        matches!(*self.0, MessageErrorKind::NoCaller { .. })
    }
}

impl From<ValueError> for MessageError {
    fn from(error: ValueError) -> Self {
        MessageErrorKind::Value(error).into()
    }
}

/// Identifies a delayed message so that it can be cancelled; never empty.
///
/// Tokens are scoped to the sending function instance: while a message with a token is
/// pending, the same instance must not schedule another with that token.
///
/// ```
/// use statefun_sdk::CancellationToken;
///
/// let token = CancellationToken::new("reservation-42").unwrap();
/// assert_eq!(token.as_str(), "reservation-42");
/// assert!(CancellationToken::new("").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CancellationToken(ByteString);

impl CancellationToken {
    /// The token `token`; an error if it is empty.
    pub fn new(token: impl Into<String>) -> Result<Self, MessageError> {
        let token = token.into();
        if token.is_empty() {
            return Err(MessageErrorKind::EmptyToken.into());
        }
        Ok(CancellationToken(ByteString::from(token)))
    }

    /// The token text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn shared(&self) -> &ByteString {
        &self.0
    }
}

/// A message to another function (or the same one), ready to send with
/// [`Context::send`](crate::Context::send) or [`Context::send_after`](crate::Context::send_after).
/// Build it with [`MessageBuilder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub(crate) inner: OutMessage,
}

impl OutgoingMessage {
    /// Where the message goes.
    pub fn target(&self) -> &Address {
        &self.inner.target
    }

    /// The typename of its value.
    pub fn typename(&self) -> &TypeName {
        &self.inner.argument.typename
    }

    /// Its serialized value.
    pub fn raw_value(&self) -> &Bytes {
        &self.inner.argument.value
    }
}

/// Builds an [`OutgoingMessage`]: pick the target, then give the value.
///
/// ```
/// use statefun_sdk::{MessageBuilder, TypeName};
///
/// const GREETER: TypeName = TypeName::from_static("example/greeter");
///
/// let message = MessageBuilder::to(GREETER, "bob").string("hello");
/// assert_eq!(message.target().to_string(), "example/greeter/bob");
/// assert_eq!(message.typename().to_string(), "io.statefun.types/string");
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until it is given a value and sent"]
pub struct MessageBuilder {
    target: Address,
}

impl MessageBuilder {
    /// A message for instance `id` of `function_type`.
    pub fn to(function_type: TypeName, id: impl AsRef<str>) -> Self {
        let id = crate::arena::copy(id.as_ref().as_bytes());
        let id = ByteString::try_from(id).expect("bytes copied from a str are UTF-8");
        MessageBuilder {
            target: Address::from_parts(function_type, id),
        }
    }

    /// A message for `address`, e.g. the caller of the current invocation.
    pub fn to_address(address: Address) -> Self {
        MessageBuilder { target: address }
    }

    fn finish(self, argument: TypedPayload) -> OutgoingMessage {
        OutgoingMessage {
            inner: OutMessage {
                target: self.target,
                argument,
            },
        }
    }
}

crate::payload::value_methods!(MessageBuilder => OutgoingMessage);
