//! A greeter for AWS Lambda: `lambda/greeter` counts the visits of each name (`seen`) and
//! sends a greeting to the Kafka egress `lambda/greetings`, topic `greetings`.
//!
//! On Lambda there is no server to run: [`statefun_sdk::http::lambda::run`] answers the
//! events API Gateway (REST or HTTP API) or a function URL hands the function.

use statefun_sdk::types::IntType;
use statefun_sdk::{
    Context, Error, FunctionSpec, KafkaEgressBuilder, Message, RequestReplyHandler, TypeName,
    ValueSpec,
};

/// The function type.
pub const GREETER: TypeName = TypeName::from_static("lambda/greeter");
/// The Kafka egress the greetings go to.
pub const GREETINGS: TypeName = TypeName::from_static("lambda/greetings");

/// How often each name came.
pub static SEEN: ValueSpec<IntType> = ValueSpec::new("seen", IntType);

async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let name = message.as_string()?;
    let seen = ctx.storage().get_or_default(&SEEN)? + 1;
    ctx.storage().set(&SEEN, seen)?;
    let greeting = match seen {
        1 => format!("Hello {name}!"),
        n => format!("Hello again {name}, visit number {n}."),
    };
    ctx.send_egress(
        KafkaEgressBuilder::to(GREETINGS)
            .topic("greetings")
            .key(name)
            .value_string(greeting)
            .build()?,
    );
    Ok(())
}

/// The function, ready to serve.
pub fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(FunctionSpec::new(GREETER, greeter).with_state(&SEEN))
        .build()
        .expect("one function type")
}
