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
//!
//! Every function but `pong` writes what it did as a line of text to a topic, through
//! [`Lines`]: the playground's egress on the local runtime, a Kafka egress on a cluster. So
//! each one is a [`StatefulFunction`](statefun_sdk::StatefulFunction) holding that choice,
//! around an `async fn` that takes it.

pub mod async_work;
pub mod egress;
pub mod messaging;
pub mod storage;
pub mod types;

use bytes::Bytes;
use statefun_sdk::types::{BoxError, CustomType};
use statefun_sdk::{
    Context, EgressMessage, Error, KafkaEgressBuilder, Message, RequestReplyHandler, TypeName,
};

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

/// Where the tour writes its lines (the topics [`LOG_TOPIC`] and
/// [`AUDIT_TOPIC`](egress::AUDIT_TOPIC)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lines {
    /// The playground's egress: the reference runtime and the playground image
    /// (`module.local.yaml`).
    #[default]
    Playground,
    /// The Kafka egress [`KAFKA`](egress::KAFKA), keyed by the writer's id: a StateFun
    /// cluster (`module.yaml`).
    Kafka,
}

impl Lines {
    /// Writes `line` to the topic `topic`.
    pub fn publish(
        self,
        ctx: &mut Context,
        topic: &str,
        line: impl Into<String>,
    ) -> Result<(), Error> {
        let record = match self {
            Self::Playground => EgressMessage::playground(topic, line.into())?,
            Self::Kafka => KafkaEgressBuilder::to(egress::KAFKA)
                .topic(topic)
                .key(ctx.address().id())
                .value_string(line.into())
                .build()?,
        };
        ctx.send_egress(record);
        Ok(())
    }

    /// Writes `line` to the topic [`LOG_TOPIC`].
    pub fn log(self, ctx: &mut Context, line: impl Into<String>) -> Result<(), Error> {
        self.publish(ctx, LOG_TOPIC, line)
    }
}

/// Every function type of the tour, writing its lines to the playground's egress.
pub fn handler(quotes: async_work::QuoteService) -> RequestReplyHandler {
    handler_for(quotes, Lines::Playground)
}

/// Every function type of the tour, writing its lines to `lines`.
pub fn handler_for(quotes: async_work::QuoteService, lines: Lines) -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(types::spec(lines))
        .register(messaging::ping_spec(lines))
        .register(messaging::pong_spec())
        .register(messaging::reminder_spec(lines))
        .register(egress::spec(lines))
        .register(storage::spec(lines))
        .register(async_work::spec(quotes, lines))
        .build()
        .expect("every function type is registered once")
}
