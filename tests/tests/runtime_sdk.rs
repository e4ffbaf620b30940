//! Our SDK under our runtime, over real HTTP and in process: the two sides of the wire
//! agree on everything, including the first contact where the runtime learns the states.

#[path = "support/http_client.rs"]
#[allow(dead_code)]
mod http_client;

use std::time::Duration;

use statefun_runtime::protocol::{Address, TypedValue};
use statefun_runtime::{Expiration, FunctionType, Harness};
use statefun_sdk::types::{IntType, StringType, Type};
use statefun_sdk::{
    Context, EgressBuilder, Error, FunctionSpec, Message, MessageBuilder, RequestReplyHandler,
    TypeName, ValueSpec,
};

const GREETER: TypeName = TypeName::from_static("example/greeter");
const COUNTER: TypeName = TypeName::from_static("example/counter");
const GREETINGS: TypeName = TypeName::from_static("example/greetings");

static SEEN: ValueSpec<IntType> =
    ValueSpec::new("seen", IntType).expire_after_call(Duration::from_secs(3600));
static TOTAL: ValueSpec<IntType> = ValueSpec::new("total", IntType);

async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let name = message.as_string()?;
    let seen = ctx.storage().get(&SEEN)?.unwrap_or(0) + 1;
    ctx.storage().set(&SEEN, seen)?;
    ctx.send_egress(EgressBuilder::to(GREETINGS).string(format!("hello {name} #{seen}")));
    ctx.send(MessageBuilder::to(COUNTER, "all").int(1));
    Ok(())
}

async fn counter(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let caller = ctx
        .caller()
        .ok_or_else(|| Error::msg("counts come from greeters"))?;
    assert_eq!(caller.function_type(), &GREETER);
    let total = ctx.storage().get(&TOTAL)?.unwrap_or(0) + message.as_int()?;
    ctx.storage().set(&TOTAL, total)?;
    Ok(())
}

fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(FunctionSpec::new(GREETER, greeter).with_state(&SEEN))
        .register(FunctionSpec::new(COUNTER, counter).with_state(&TOTAL))
        .build()
        .unwrap()
}

fn name(text: &str) -> TypedValue {
    let mut bytes = Vec::new();
    StringType.serialize(&text.to_owned(), &mut bytes).unwrap();
    TypedValue::new("io.statefun.types/string", bytes)
}

async fn greet_everyone(harness: &Harness) {
    for who in ["bob", "ann", "bob", "bob"] {
        harness
            .send(Address::new("example", "greeter", who), name(who))
            .await
            .unwrap();
    }
    harness.run_until_quiescent().await.unwrap();
}

fn int(value: Option<TypedValue>) -> Option<i32> {
    value.map(|v| IntType.deserialize(v.value).unwrap())
}

fn check(harness: &Harness) {
    let greetings: Vec<String> = harness
        .egress("example/greetings")
        .into_iter()
        .map(|v| StringType.deserialize(v.value).unwrap())
        .collect();
    let mut sorted = greetings.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "hello ann #1",
            "hello bob #1",
            "hello bob #2",
            "hello bob #3"
        ]
    );
    assert_eq!(
        int(harness.state(&Address::new("example", "greeter", "bob"), "seen")),
        Some(3)
    );
    assert_eq!(
        int(harness.state(&Address::new("example", "counter", "all"), "total")),
        Some(4)
    );
    let specs = harness
        .runtime()
        .state_specs(&"example/greeter".parse::<FunctionType>().unwrap());
    let seen = &specs["seen"];
    assert_eq!(
        seen.typename, "io.statefun.types/int",
        "learned from the SDK's IncompleteInvocationContext"
    );
    assert_eq!(
        seen.expiration,
        Expiration::AfterInvoke(Duration::from_secs(3600))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sdk_over_real_http_under_the_runtime() {
    let server = http_client::TestServer::start(handler().into_service()).await;
    let harness = Harness::builder()
        .url("example/*", &server.url("/statefun"))
        .egress("example/greetings")
        .build()
        .unwrap();
    greet_everyone(&harness).await;
    check(&harness);
}

#[tokio::test(start_paused = true)]
async fn the_sdk_in_process_under_the_runtime() {
    let harness = Harness::builder()
        .service("example/*", handler().into_service())
        .egress("example/greetings")
        .build()
        .unwrap();
    greet_everyone(&harness).await;
    check(&harness);
    harness.advance(Duration::from_secs(3601)).await.unwrap();
    assert_eq!(
        harness.state(&Address::new("example", "greeter", "bob"), "seen"),
        None,
        "expired an hour after the last call"
    );
}
