//! The harness in the SDK's terms: typed messages in, typed states and decoded records
//! out, and a deterministic failure reported once.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use statefun_sdk::types::{IntType, JsonType, LongType, StringType};
use statefun_sdk::{
    Address, Context, EgressBuilder, EgressMessage, Error, FunctionSpec, KafkaEgressBuilder,
    KinesisEgressBuilder, Message, MessageBuilder, RequestReplyHandler, TypeName, ValueSpec,
    dispatch,
};
use statefun_testing::Harness;

const ACCOUNT: TypeName = TypeName::from_static("bank/account");
const TELLER: TypeName = TypeName::from_static("bank/teller");
const AUDIT: TypeName = TypeName::from_static("bank/audit");
const KAFKA: TypeName = TypeName::from_static("bank/kafka");
const KINESIS: TypeName = TypeName::from_static("bank/kinesis");
const FLAKY: TypeName = TypeName::from_static("bank/flaky");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Deposit {
    amount: i64,
}

const DEPOSIT: JsonType<Deposit> = JsonType::new(TypeName::from_static("bank/Deposit"));

static BALANCE: ValueSpec<LongType> = ValueSpec::new("balance", LongType);
static LAST_SEEN: ValueSpec<LongType> = ValueSpec::new("last_seen", LongType);

async fn account(ctx: &mut Context, message: Message) -> Result<(), Error> {
    dispatch!(message, {
        DEPOSIT => |deposit| {
            let balance = ctx.storage().get_or_default(&BALANCE)? + deposit.amount;
            ctx.storage().set(&BALANCE, balance)?;
            let id = ctx.address().id().to_owned();
            ctx.send_egress(EgressBuilder::to(AUDIT).value(&DEPOSIT, &deposit)?);
            ctx.send_egress(
                KafkaEgressBuilder::to(KAFKA).topic("balances").key(&id).value(&LongType, &balance).build()?,
            );
            ctx.send_egress(
                KinesisEgressBuilder::to(KINESIS)
                    .stream("balances")
                    .partition_key(&id)
                    .value_string(balance.to_string())
                    .build()?,
            );
            ctx.send_egress(EgressMessage::playground("balances", format!("{id}: {balance}"))?);
        },
        StringType => |_query| {
            let balance = ctx.storage().get_or_default(&BALANCE)?;
            ctx.reply(&LongType, balance)?;
        },
    })?;
    Ok(())
}

/// Asks an account for its balance and keeps the answer.
async fn teller(ctx: &mut Context, message: Message) -> Result<(), Error> {
    if let Some(balance) = message.try_as(&LongType)? {
        ctx.storage().set(&LAST_SEEN, balance)?;
    } else {
        let account = message.as_string()?;
        ctx.send(MessageBuilder::to(ACCOUNT, account).string("balance?"));
    }
    Ok(())
}

/// The ids `flaky` was called for, one entry per call; each test uses its own id.
static FLAKY_CALLS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn flaky_calls(id: &str) -> usize {
    FLAKY_CALLS
        .lock()
        .unwrap()
        .iter()
        .filter(|called| *called == id)
        .count()
}

async fn flaky(ctx: &mut Context, message: Message) -> Result<(), Error> {
    FLAKY_CALLS
        .lock()
        .unwrap()
        .push(ctx.address().id().to_owned());
    Err(Error::msg(format!("cannot handle {}", message.as_int()?)))
}

fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(FunctionSpec::new(ACCOUNT, account).with_state(&BALANCE))
        .register(FunctionSpec::new(TELLER, teller).with_state(&LAST_SEEN))
        .register(FunctionSpec::new(FLAKY, flaky))
        .build()
        .unwrap()
}

fn harness() -> Harness {
    Harness::builder()
        .handler("bank/*", handler())
        .egress(AUDIT)
        .egress(KAFKA)
        .egress(KINESIS)
        .playground_egress()
        .build()
        .unwrap()
}

fn deposit(id: &str, amount: i64) -> statefun_sdk::OutgoingMessage {
    MessageBuilder::to(ACCOUNT, id)
        .value(&DEPOSIT, &Deposit { amount })
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn states_are_read_through_their_specs() {
    let harness = harness();
    harness.send(deposit("alice", 30)).await.unwrap();
    harness.send(deposit("alice", 12)).await.unwrap();
    harness.run_until_quiescent().await.unwrap();

    let alice = Address::new(ACCOUNT, "alice");
    assert_eq!(harness.state(&alice, &BALANCE).unwrap(), Some(42));
    let nobody = Address::new(ACCOUNT, "nobody");
    assert_eq!(harness.state(&nobody, &BALANCE).unwrap(), None);

    // The same state read with a spec of another type is an error naming both.
    static AS_INT: ValueSpec<IntType> = ValueSpec::new("balance", IntType);
    let error = harness.state(&alice, &AS_INT).unwrap_err();
    assert!(error.is_wrong_type());
    assert_eq!(
        error.to_string(),
        "the state `balance` of bank/account/alice has type `io.statefun.types/long`, not `io.statefun.types/int`"
    );
}

#[tokio::test(start_paused = true)]
async fn egress_records_come_back_decoded() {
    let harness = harness();
    harness.send(deposit("alice", 30)).await.unwrap();
    harness.run_until_quiescent().await.unwrap();

    assert_eq!(
        harness.egress(AUDIT, &DEPOSIT).unwrap(),
        [Deposit { amount: 30 }]
    );

    let kafka = harness.kafka_records(KAFKA).unwrap();
    assert_eq!(kafka.len(), 1);
    assert_eq!(kafka[0].topic, "balances");
    assert_eq!(kafka[0].key.as_deref(), Some("alice"));
    assert_eq!(kafka[0].value_as(&LongType).unwrap(), 30);

    let kinesis = harness.kinesis_records(KINESIS).unwrap();
    assert_eq!(kinesis[0].stream, "balances");
    assert_eq!(kinesis[0].partition_key, "alice");
    assert_eq!(kinesis[0].explicit_hash_key, None);
    assert_eq!(kinesis[0].value_str().unwrap(), "30");

    let playground = harness.playground_records().unwrap();
    assert_eq!(playground[0].topic, "balances");
    assert_eq!(playground[0].payload, "alice: 30");

    // A Kafka egress read as another kind names the record and both types.
    let error = harness.kinesis_records(KAFKA).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("record 0 of the egress `bank/kafka` has type `type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord`"),
        "{error}"
    );
    assert_eq!(harness.raw_egress(KAFKA).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_reply_reaches_the_caller() {
    let harness = harness();
    harness.send(deposit("alice", 7)).await.unwrap();
    harness
        .send(MessageBuilder::to(TELLER, "t1").string("alice"))
        .await
        .unwrap();
    harness.run_until_quiescent().await.unwrap();
    let teller = Address::new(TELLER, "t1");
    assert_eq!(harness.state(&teller, &LAST_SEEN).unwrap(), Some(7));
}

#[tokio::test(start_paused = true)]
async fn a_reply_to_an_ingress_message_fails_the_run_naming_why() {
    let harness = harness();
    harness
        .send(MessageBuilder::to(ACCOUNT, "alice").string("balance?"))
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert!(error.to_string().contains("has no caller"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_deterministic_failure_is_reported_after_one_attempt() {
    let harness = harness();
    harness
        .send(MessageBuilder::to(FLAKY, "x").int(7))
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err().to_string();
    assert_eq!(flaky_calls("x"), 1);
    assert!(
        error.starts_with("calling bank/flaky/x failed 1 time(s)"),
        "{error}"
    );
    assert!(error.contains("cannot handle 7"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn failures_are_retried_when_asked() {
    let harness = Harness::builder()
        .handler("bank/*", handler())
        .retry_failures(true)
        .build()
        .unwrap();
    harness
        .send(MessageBuilder::to(FLAKY, "y").int(1))
        .await
        .unwrap();
    // Virtual time: the whole call budget of retries passes at once.
    let advance = harness.advance(Duration::from_secs(600));
    let error = advance.await.unwrap_err().to_string();
    assert!(flaky_calls("y") > 1, "{} calls", flaky_calls("y"));
    assert!(error.contains("cannot handle 1"), "{error}");
}

const MISTYPED: TypeName = TypeName::from_static("bank/mistyped");
const NOWHERE: TypeName = TypeName::from_static("banc/account");

/// Sends to a function type nobody serves, as a typo in a typename would.
async fn mistyped(ctx: &mut Context, _message: Message) -> Result<(), Error> {
    ctx.send(MessageBuilder::to(NOWHERE, "alice").string("hello"));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_message_to_an_unknown_function_type_names_its_sender() {
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(MISTYPED, mistyped))
        .build()
        .unwrap();
    let harness = Harness::builder()
        .handler("bank/*", handler)
        .build()
        .unwrap();
    harness
        .send(MessageBuilder::to(MISTYPED, "m1").string("go"))
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "bank/mistyped/m1 sent a message to banc/account/alice, but no endpoint serves its function type `banc/account`"
    );
    let sender = error.sender().expect("a function sent it");
    assert_eq!(
        (
            sender.namespace.as_str(),
            sender.r#type.as_str(),
            sender.id.as_str()
        ),
        ("bank", "mistyped", "m1")
    );
    assert_eq!(
        error.address().id,
        "alice",
        "the address that cannot be reached"
    );
}

#[tokio::test(start_paused = true)]
async fn an_ingress_message_to_an_unknown_function_type_has_no_sender() {
    let harness = harness();
    let error = harness
        .send(MessageBuilder::to(NOWHERE, "alice").string("hello"))
        .await
        .expect_err("refused at the ingress");
    assert!(error.sender().is_none(), "{error}");
    assert!(error.to_string().contains("banc/account"), "{error}");
}

#[test]
fn wire_values_convert_both_ways_and_name_a_wrong_type() {
    let value = statefun_testing::convert::value(&LongType, &-7).unwrap();
    assert_eq!(value.typename, "io.statefun.types/long");
    assert_eq!(
        statefun_testing::convert::value_as(&LongType, &value).unwrap(),
        -7
    );
    let error = statefun_testing::convert::value_as(&IntType, &value).unwrap_err();
    assert!(error.is_wrong_type(), "{error}");
    let error = statefun_testing::KafkaRecord::from_typed_value(&value).unwrap_err();
    assert!(error.is_wrong_type(), "{error}");
    assert!(
        error.to_string().contains("io.statefun.types/long"),
        "{error}"
    );
}
