//! The StateFun 2.x greeter: `example/greeter` receives a `GreetRequest` packed in an
//! `Any`, counts the visits in its `seen_count` state (a packed `SeenCount`), and sends a
//! personalized `GreetResponse` on to `example/email_sender` and, as a Kafka record, to
//! the egress `example/greets` (topic `greetings`). `example/email_sender` counts the
//! emails it sent per user in `sent`.
//!
//! The functions are written with the same API as 3.x ones; only the handler is built
//! with `Protocol::V2`.

#![deny(missing_docs)]

use statefun_sdk::types::ProtobufType;
use statefun_sdk::{
    Context, Error, FunctionSpec, KafkaEgressBuilder, Message, MessageBuilder, Protocol,
    RequestReplyHandler, TypeName, ValueSpec,
};

/// The messages of `messages.proto`.
pub mod messages {
    /// Who to greet.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GreetRequest {
        /// The name to greet.
        #[prost(string, tag = "1")]
        pub name: String,
    }

    /// A greeting.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct GreetResponse {
        /// Who is greeted.
        #[prost(string, tag = "1")]
        pub name: String,
        /// The greeting.
        #[prost(string, tag = "2")]
        pub greeting: String,
    }

    /// How often someone was greeted.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SeenCount {
        /// The number of visits.
        #[prost(int64, tag = "1")]
        pub seen: i64,
    }

    macro_rules! named {
        ($($ty:ident),*) => {$(
            impl prost::Name for $ty {
                const NAME: &'static str = stringify!($ty);
                const PACKAGE: &'static str = "example";
            }
        )*};
    }
    named!(GreetRequest, GreetResponse, SeenCount);
}

use messages::{GreetRequest, GreetResponse, SeenCount};

/// The greeter's function type.
pub const GREETER: TypeName = TypeName::from_static("example/greeter");
/// The function that "emails" the greetings.
pub const EMAIL_SENDER: TypeName = TypeName::from_static("example/email_sender");
/// The egress the greetings go to, a playground or Kafka egress.
pub const GREETS: TypeName = TypeName::from_static("example/greets");

fn seen_count() -> ValueSpec<ProtobufType<SeenCount>> {
    ValueSpec::try_new("seen_count", ProtobufType::new()).expect("a valid state name")
}

fn sent() -> ValueSpec<ProtobufType<SeenCount>> {
    ValueSpec::try_new("sent", ProtobufType::new()).expect("a valid state name")
}

/// The greeting for the `seen`-th visit of `name`.
pub fn greeting(name: &str, seen: i64) -> String {
    match seen {
        1 => format!("Hello {name}! \u{1F60E}"),
        2 => format!("Hello again {name}! \u{1F917}"),
        3 => format!("Third time is a charm, {name}! \u{1F973}"),
        _ => format!("Hello at the {seen}-th time {name}! \u{1F64C}"),
    }
}

async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let request = message.as_type(&ProtobufType::<GreetRequest>::new())?;
    let seen = ctx.storage().get(&seen_count())?.map_or(0, |s| s.seen) + 1;
    ctx.storage().set(&seen_count(), SeenCount { seen })?;

    let response = GreetResponse {
        name: request.name.clone(),
        greeting: greeting(&request.name, seen),
    };
    let response_type = ProtobufType::<GreetResponse>::new();
    ctx.send(MessageBuilder::to(EMAIL_SENDER, &request.name).value(&response_type, &response)?);
    ctx.send_egress(
        KafkaEgressBuilder::to(GREETS)
            .topic("greetings")
            .key(&request.name)
            .value_string(&response.greeting)
            .build()?,
    );
    Ok(())
}

async fn email_sender(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let response = message.as_type(&ProtobufType::<GreetResponse>::new())?;
    let count = ctx.storage().get(&sent())?.map_or(0, |s| s.seen) + 1;
    ctx.storage().set(&sent(), SeenCount { seen: count })?;
    tracing::info!(to = %response.name, greeting = %response.greeting, count, "email sent");
    Ok(())
}

/// Both functions, served over the StateFun 2.x protocol.
pub fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .protocol(Protocol::V2)
        .register(FunctionSpec::new(GREETER, greeter).with_state(&seen_count()))
        .register(FunctionSpec::new(EMAIL_SENDER, email_sender).with_state(&sent()))
        .build()
        .expect("two function types")
}
