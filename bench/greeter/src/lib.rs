//! The shared benchmark's `example/greeter` (`python_greeter.py`), written with the public
//! SDK API the way a user would write it, and the benchmark's requests, so that the HTTP
//! server binary and the criterion benches measure the same function on the same bytes.

#![deny(missing_docs)]

pub mod requests;

use statefun_sdk::types::IntType;
use statefun_sdk::{
    Context, Error, FunctionSpec, KafkaEgressBuilder, Message, MessageBuilder, Protocol,
    RequestReplyHandler, TypeName, ValueSpec,
};

const GREETER: TypeName = TypeName::from_static("example/greeter");
const RELAY: TypeName = TypeName::from_static("example/relay");
const EGRESS: TypeName = TypeName::from_static("io.statefun.playground/egress");

static SEEN: ValueSpec<IntType> = ValueSpec::new("seen", IntType);

/// The handler serving `example/greeter` over the StateFun 3.x protocol.
pub fn handler() -> RequestReplyHandler {
    handler_for(Protocol::V3)
}

/// The same greeter, the same code, served over `protocol`.
pub fn handler_for(protocol: Protocol) -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .protocol(protocol)
        .register(FunctionSpec::new(GREETER, greeter).with_state(&SEEN))
        .build()
        .expect("one function with one state registers")
}

fn greeting(name: &str, seen: i32) -> String {
    match seen {
        1 => format!("Welcome {name}"),
        2 => format!("Nice to see you again {name}"),
        3 => format!("Third time is a charm {name}"),
        _ => format!("Nice to see you at the {seen}-nth time {name}!"),
    }
}

async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let seen = ctx.storage().get(&SEEN)?.unwrap_or(0) + 1;
    ctx.storage().set(&SEEN, seen)?;

    let name = message.as_str()?;
    let greeting = greeting(name, seen);

    ctx.send_egress(
        KafkaEgressBuilder::to(EGRESS)
            .topic("greetings")
            .key(name)
            .value_string(&greeting)
            .build()?,
    );
    ctx.send(MessageBuilder::to(RELAY, name).string(greeting));
    Ok(())
}
