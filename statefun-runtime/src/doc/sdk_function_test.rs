use std::time::Duration;

use statefun_runtime::Harness;
use statefun_runtime::protocol::{Address, TypedValue};
use statefun_sdk::types::{IntType, StringType, Type};
use statefun_sdk::{Context, Error, FunctionSpec, Message, MessageBuilder, RequestReplyHandler, TypeName, ValueSpec};

const GREETER: TypeName = TypeName::from_static("example/greeter");
static VISITS: ValueSpec<IntType> = ValueSpec::new("visits", IntType);

/// Counts visits, and comes back the next day.
async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let visits = ctx.storage().get_or_default(&VISITS)? + 1;
    ctx.storage().set(&VISITS, visits)?;
    if message.as_string()? == "hello" {
        let again = MessageBuilder::to(GREETER, ctx.address().id()).string("again");
        ctx.send_after(Duration::from_secs(86_400), again)?;
    }
    Ok(())
}

# tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
// In a test: #[tokio::test(start_paused = true)], so that a day passes at once.
let handler = RequestReplyHandler::builder()
    .register(FunctionSpec::new(GREETER, greeter).with_state(&VISITS))
    .build()?;
let harness = Harness::builder().service("example/*", handler.into_service()).build()?;

let mut hello = Vec::new();
StringType.serialize(&"hello".to_owned(), &mut hello)?;
let bob = Address::new("example", "greeter", "bob");
harness.send(bob.clone(), TypedValue::new("io.statefun.types/string", hello)).await?;
harness.run_until_quiescent().await?;
let visits = |harness: &Harness| harness.state(&bob, "visits").map(|v| IntType.deserialize(v.value));
assert_eq!(visits(&harness).transpose()?, Some(1));

harness.advance(Duration::from_secs(86_400)).await?;
assert_eq!(visits(&harness).transpose()?, Some(2));
# Ok::<(), statefun_sdk::types::BoxError>(())
# }).unwrap();
