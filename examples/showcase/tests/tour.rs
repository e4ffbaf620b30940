//! Every topic of the tour, end to end on the reference runtime (in process, virtual time).

use std::time::Duration;

use prost::Message as _;
use showcase::async_work::QuoteService;
use showcase::types::{POINT, Point, RGB, Rgb, USER_PROFILE, UserProfile};
use statefun_runtime::Harness;
use statefun_runtime::protocol::egress::{KafkaProducerRecord, KinesisEgressRecord};
use statefun_runtime::protocol::{Address, TypedValue};
use statefun_sdk::types::{IntType, Type};

fn typed<T: Type>(ty: &T, value: &T::Value) -> TypedValue {
    let mut bytes = Vec::new();
    ty.serialize(value, &mut bytes).unwrap();
    TypedValue::new(ty.typename().to_string(), bytes)
}

/// Text as curl sends it through the playground ingress.
fn text(value: &str) -> TypedValue {
    typed(&showcase::TEXT, &value.to_owned())
}

/// The payloads of the playground egress records of `topic`.
fn topic(harness: &Harness, topic: &str) -> Vec<String> {
    harness
        .egress("io.statefun.playground/egress")
        .into_iter()
        .map(|v| showcase::EGRESS_RECORD.deserialize(v.value).unwrap())
        .filter(|record| record.topic == topic)
        .map(|record| record.payload)
        .collect()
}

fn log(harness: &Harness) -> Vec<String> {
    topic(harness, "log")
}

async fn harness(quotes: QuoteService) -> Harness {
    Harness::builder()
        .service("showcase/*", showcase::handler(quotes).into_service())
        .egress("io.statefun.playground/egress")
        .egress("showcase/kafka")
        .egress("showcase/kinesis")
        .build()
        .unwrap()
}

async fn send(harness: &Harness, function: &str, id: &str, value: TypedValue) {
    harness
        .send(Address::new("showcase", function, id), value)
        .await
        .unwrap();
    harness.run_until_quiescent().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn every_kind_of_type_is_recognised() {
    let harness = harness(QuoteService::default()).await;
    send(&harness, "types", "a", typed(&IntType, &42)).await;
    send(
        &harness,
        "types",
        "a",
        typed(
            &USER_PROFILE,
            &UserProfile {
                name: "Ann".into(),
                age: 41,
            },
        ),
    )
    .await;
    send(
        &harness,
        "types",
        "a",
        typed(&POINT, &Point { x: 3, y: -4 }),
    )
    .await;
    send(&harness, "types", "a", typed(&RGB, &Rgb(255, 128, 0))).await;
    send(
        &harness,
        "types",
        "a",
        TypedValue::new("other/Thing", vec![1]),
    )
    .await;
    assert_eq!(
        log(&harness),
        [
            "int 42",
            "user Ann aged 41",
            "point (3, -4)",
            "colour #ff8000",
            "something of type other/Thing"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn ping_pong_and_a_cancellable_reminder() {
    let harness = harness(QuoteService::default()).await;
    send(&harness, "ping", "alice", text("hello")).await;
    assert_eq!(
        log(&harness),
        [r#"showcase/pong/alice answered "pong: hello""#]
    );

    send(&harness, "reminder", "r1", text("remind me")).await;
    send(&harness, "reminder", "r2", text("remind me")).await;
    send(&harness, "reminder", "r2", text("never mind")).await;
    harness.advance(Duration::from_secs(59)).await.unwrap();
    assert_eq!(log(&harness).len(), 1, "not yet");
    harness.advance(Duration::from_secs(2)).await.unwrap();
    assert_eq!(log(&harness)[1..], ["reminder for r1"], "r2 was cancelled");
}

#[tokio::test(start_paused = true)]
async fn one_message_reaches_a_generic_a_kafka_and_a_kinesis_egress() {
    let harness = harness(QuoteService::default()).await;
    send(&harness, "egress", "u1", text("signed up")).await;
    assert_eq!(topic(&harness, "audit"), ["u1: signed up"]);
    let kafka = harness.egress("showcase/kafka").remove(0);
    assert_eq!(
        kafka.typename,
        "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord"
    );
    let record = KafkaProducerRecord::decode(kafka.value).unwrap();
    assert_eq!(
        (
            record.topic.as_str(),
            record.key.as_str(),
            &record.value_bytes[..]
        ),
        ("events", "u1", &b"signed up"[..])
    );
    let kinesis = harness.egress("showcase/kinesis").remove(0);
    let record = KinesisEgressRecord::decode(kinesis.value).unwrap();
    assert_eq!(
        (record.stream.as_str(), record.partition_key.as_str()),
        ("events", "u1")
    );
}

#[tokio::test(start_paused = true)]
async fn a_session_expires_an_hour_after_its_last_use_while_the_count_stays() {
    let harness = harness(QuoteService::default()).await;
    send(&harness, "session", "sam", text("login")).await;
    harness.advance(Duration::from_secs(50 * 60)).await.unwrap();
    send(&harness, "session", "sam", text("whoami")).await;
    harness.advance(Duration::from_secs(50 * 60)).await.unwrap();
    send(&harness, "session", "sam", text("whoami")).await;
    harness.advance(Duration::from_secs(61 * 60)).await.unwrap();
    send(&harness, "session", "sam", text("whoami")).await;
    send(&harness, "session", "sam", text("login")).await;
    assert_eq!(
        log(&harness),
        [
            "sam logged in (1 times so far)",
            "sam holds sam-session-1",
            "sam holds sam-session-1",
            "sam has no session",
            "sam logged in (2 times so far)",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_function_awaits_a_shared_service() {
    let quotes = QuoteService::default();
    quotes.set_price("coffee", 2.5).await;
    let harness = harness(quotes.clone()).await;
    send(&harness, "quote", "coffee", text("?")).await;
    quotes.set_price("coffee", 3.0).await;
    send(&harness, "quote", "coffee", text("?")).await;
    send(&harness, "quote", "tea", text("?")).await;
    assert_eq!(
        log(&harness),
        ["coffee: 2.5", "coffee: 3 (was 2.5)", "tea: no price"]
    );
}
