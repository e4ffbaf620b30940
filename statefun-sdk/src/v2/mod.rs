//! The StateFun 2.x protocol (Apache Flink StateFun 2.0 to 2.2), served by the same
//! functions as 3.x: select it with [`HandlerBuilder::protocol`](crate::HandlerBuilder::protocol).

mod any;
mod decode;
mod encode;
mod handle;
mod state;
#[cfg(test)]
mod tests;

pub(crate) use any::{typename_of_url, url_names};
pub(crate) use handle::handle;
pub(crate) use state::StateTable;

/// The generation of the StateFun request-reply protocol a handler speaks.
///
/// One function serves either: the same `Message` reads, `Storage` with `ValueSpec`s,
/// `send`, `send_after` and egress builders. What differs is on the wire and in what each
/// generation can carry.
///
/// # StateFun 2.x
///
/// StateFun 2.0 to 2.2 carry every payload and every state as a `google.protobuf.Any`:
///
/// - A value's typename is its type URL. A value is of a type when the part of its type
///   URL after the last `/` is the name part of the type's typename, whatever comes
///   before: `com.googleapis/example.GreetRequest` is read by
///   `ProtobufType::<GreetRequest>::new()`, whose typename is
///   `type.googleapis.com/example.GreetRequest`. A type URL without `/` names no type.
/// - Values the function builds are packed with their type's typename as type URL, so
///   protobuf messages get `type.googleapis.com/<full name>`. A value handed over raw, with
///   the builders' `any` or `forward`, goes out byte for byte, whatever its type URL.
/// - Kafka and Kinesis records from [`KafkaEgressBuilder`](crate::KafkaEgressBuilder) and
///   [`KinesisEgressBuilder`](crate::KinesisEgressBuilder) become the 2.x
///   `org.apache.flink.statefun.flink.io.KafkaProducerRecord` and `KinesisEgressRecord`.
/// - The built-in types (`StringType`, `IntType`, …) keep their 3.x typenames as type URLs
///   (`io.statefun.types/string`): readable by functions of this SDK on either generation.
///   To exchange values with the 2.x Python SDK use protobuf messages, e.g. a
///   `ProtobufType` of `google.protobuf.StringValue`.
///
/// What 2.x lacks:
///
/// - **State declaration.** The runtime sends exactly the states `module.yaml` declares for
///   the function, and the function cannot ask for more. A state a function declares with
///   [`FunctionSpec::with_state`](crate::FunctionSpec::with_state) that the request does not
///   carry fails the request
///   ([`HandlerErrorKind::StateNotInRequest`](crate::HandlerErrorKind::StateNotInRequest)),
///   and so does using any state the request does not carry; both errors say to declare it
///   in `module.yaml`. A `ValueSpec` need not be declared with `with_state` on 2.x, only in
///   `module.yaml`. Mutations follow the order of the request's state entries.
/// - **Expiration.** A `ValueSpec`'s `expire_after_*` is ignored: on 2.x expiration is set
///   per state in `module.yaml` (`expireAfter`, `expireMode`).
/// - **Cancellation tokens.** A batch that used
///   [`send_after_with_token`](crate::Context::send_after_with_token) or
///   [`cancel_delayed_message`](crate::Context::cancel_delayed_message) fails
///   ([`HandlerErrorKind::Unsupported`](crate::HandlerErrorKind::Unsupported)).
/// - **Presence.** An `Any` has no `has_value`: [`Message::has_value`](crate::Message::has_value)
///   is always true, an invocation without argument has an empty `Any`.
///
/// The crate guide maps the 2.x Python SDK's calls to this API
/// ([StateFun 2.x](crate#statefun-2x)).
///
/// ```
/// use statefun_sdk::{Context, Error, FunctionSpec, Message, Protocol, RequestReplyHandler, TypeName};
///
/// async fn greeter(_ctx: &mut Context, _message: Message) -> Result<(), Error> {
///     Ok(())
/// }
///
/// let handler = RequestReplyHandler::builder()
///     .protocol(Protocol::V2)
///     .register(FunctionSpec::new(TypeName::from_static("example/greeter"), greeter))
///     .build()
///     .unwrap();
/// # let _ = handler;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// StateFun 3.0 to 3.3: `TypedValue`s, state negotiation, cancellation tokens.
    #[default]
    V3,
    /// StateFun 2.0 to 2.2: `google.protobuf.Any` payloads and states declared in
    /// `module.yaml`.
    V2,
}
