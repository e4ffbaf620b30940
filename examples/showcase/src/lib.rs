//! A tour of `statefun-sdk`, one module per topic. Each module is a small, complete
//! function type; [`handler`] serves them all, and `main.rs` mounts them in an axum app.
//!
//! | module | topic | function types |
//! |---|---|---|
//! | [`types`] | built-in, JSON, Protobuf and custom types | `showcase/types` |
//! | [`messaging`] | sending, replying to the caller, delayed messages and cancellation | `showcase/ping`, `showcase/pong`, `showcase/reminder` |
//! | [`egress`] | generic (the playground's), Kafka and Kinesis egress records | `showcase/egress` |
//! | [`storage`] | persisted values, TTL, removing | `showcase/session` |
//! | [`async_work`] | awaiting other work inside a function | `showcase/quote` |

pub mod async_work;
pub mod egress;
pub mod messaging;
pub mod storage;
pub mod types;

use bytes::Bytes;
use statefun_sdk::types::{BoxError, CustomType};
use statefun_sdk::{Context, EgressMessage, Error, Message, RequestReplyHandler, TypeName};

/// The topic every module writes what it did to, so that a test (or you) can see it.
pub const LOG_TOPIC: &str = "log";

fn write_text(text: &String, out: &mut Vec<u8>) -> Result<(), BoxError> {
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

fn read_text(bytes: Bytes) -> Result<String, BoxError> {
    Ok(String::from_utf8(bytes.to_vec())?)
}

/// `showcase/Text`: plain UTF-8, what `curl -H "Content-Type: application/vnd.showcase/Text"
/// -d 'hello'` sends through the playground ingress. (`io.statefun.types/string` carries a
/// Protobuf `StringWrapper`, which curl cannot easily write.)
pub const TEXT: CustomType<String> = CustomType::new(
    TypeName::from_static("showcase/Text"),
    write_text,
    read_text,
);

/// The text of a message: `showcase/Text` from the ingress, or a built-in string from
/// another function.
pub fn text_of(message: &Message) -> Result<String, Error> {
    match message.try_as(&TEXT)? {
        Some(text) => Ok(text),
        None => Ok(message.as_string()?),
    }
}

/// Writes `line` to the playground egress topic `topic`.
pub fn publish(ctx: &mut Context, topic: &str, line: impl Into<String>) -> Result<(), Error> {
    ctx.send_egress(EgressMessage::playground(topic, line.into())?);
    Ok(())
}

/// Writes `line` to the topic [`LOG_TOPIC`].
pub fn log(ctx: &mut Context, line: impl Into<String>) -> Result<(), Error> {
    publish(ctx, LOG_TOPIC, line)
}

/// Every function type of the tour.
pub fn handler(quotes: async_work::QuoteService) -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(types::spec())
        .register(messaging::ping_spec())
        .register(messaging::pong_spec())
        .register(messaging::reminder_spec())
        .register(egress::spec())
        .register(storage::spec())
        .register(async_work::spec(quotes))
        .build()
        .expect("every function type is registered once")
}
