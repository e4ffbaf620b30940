//! The StateFun playground's greeter, in Rust.
//!
//! - `example/person` counts the visits of each person (`visits`, an int) and forwards the
//!   request, with the count, to `example/greeter`;
//! - `example/greeter` picks a greeting for that count and writes it to the playground
//!   egress topic `greetings`.
//!
//! Messages are JSON `example/GreetRequest`s: `{"name": "Bob"}` from the ingress, with
//! `"visits"` added by `person`.

pub mod local;

use serde::{Deserialize, Serialize};
use statefun_sdk::types::{IntType, JsonType};
use statefun_sdk::{
    Context, EgressMessage, Error, FunctionSpec, KafkaEgressBuilder, Message, MessageBuilder,
    RequestReplyHandler, StatefulFunction, TypeName, ValueSpec,
};

/// The function that counts visits.
pub const PERSON: TypeName = TypeName::from_static("example/person");
/// The function that picks the greeting.
pub const GREETER: TypeName = TypeName::from_static("example/greeter");
/// The topic the greetings go to.
pub const GREETINGS_TOPIC: &str = "greetings";

/// A greeting request, and the message between the two functions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GreetRequest {
    /// Who to greet.
    pub name: String,
    /// How often they came, as counted by `example/person`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visits: Option<i32>,
}

/// `example/GreetRequest` as JSON, as in the playground tutorials of every language.
pub const GREET_REQUEST: JsonType<GreetRequest> =
    JsonType::new(TypeName::from_static("example/GreetRequest"));

static VISITS: ValueSpec<IntType> = ValueSpec::new("visits", IntType);

async fn person(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let mut request = message.as_type(&GREET_REQUEST)?;
    let visits = ctx.storage().get_or_default(&VISITS)? + 1;
    ctx.storage().set(&VISITS, visits)?;

    request.visits = Some(visits);
    let id = request.name.clone();
    ctx.send(MessageBuilder::to(GREETER, id).value(&GREET_REQUEST, &request)?);
    Ok(())
}

/// The greeting for someone's `visits`-th visit.
pub fn greeting(name: &str, visits: i32) -> String {
    match visits {
        1 => format!("Welcome {name}"),
        2 => format!("Nice to see you again {name}"),
        3 => format!("Third time is a charm {name}"),
        n => format!("Nice to see you at the {n}-nth time {name}!"),
    }
}

/// Where the greetings go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GreetingsEgress {
    /// The playground's egress, topic `greetings`: the playground image and the reference
    /// runtime (`module.local.yaml`).
    #[default]
    Playground,
    /// The Kafka egress [`KAFKA_GREETINGS`], topic `greetings`, keyed by name: a StateFun
    /// cluster (`module.yaml`).
    Kafka,
}

/// The Kafka egress of `module.yaml`.
pub const KAFKA_GREETINGS: TypeName = TypeName::from_static("example/greetings");

struct Greeter {
    egress: GreetingsEgress,
}

impl StatefulFunction for Greeter {
    async fn invoke(&self, ctx: &mut Context, message: Message) -> Result<(), Error> {
        let request = message.as_type(&GREET_REQUEST)?;
        let visits = request
            .visits
            .ok_or_else(|| Error::msg("a greet request without a visit count"))?;
        let greeting = greeting(&request.name, visits);
        let record = match self.egress {
            GreetingsEgress::Playground => EgressMessage::playground(GREETINGS_TOPIC, greeting)?,
            GreetingsEgress::Kafka => KafkaEgressBuilder::to(KAFKA_GREETINGS)
                .topic(GREETINGS_TOPIC)
                .key(&request.name)
                .value_string(greeting)
                .build()?,
        };
        ctx.send_egress(record);
        Ok(())
    }
}

/// Both functions, ready to serve, greeting on the playground's egress.
pub fn handler() -> RequestReplyHandler {
    handler_for(GreetingsEgress::Playground)
}

/// Both functions, greeting on `egress`.
pub fn handler_for(egress: GreetingsEgress) -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(FunctionSpec::new(PERSON, person).with_state(&VISITS))
        .register(FunctionSpec::from_function(GREETER, Greeter { egress }))
        .build()
        .expect("two function types, each declared once")
}
