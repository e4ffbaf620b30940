//! Every topic of the tour, end to end on the reference runtime (in process, virtual time).

use std::time::Duration;

use showcase::async_work::QuoteService;
use showcase::types::{POINT, Point, RGB, Rgb, USER_PROFILE, UserProfile};
use statefun_sdk::{MessageBuilder, OutgoingMessage, TypeName};
use statefun_testing::Harness;

/// A message for `showcase/<function>` instance `id`.
fn to(function: &str, id: &str) -> MessageBuilder {
    let function: TypeName = format!("showcase/{function}").parse().unwrap();
    MessageBuilder::to(function, id)
}

/// Text as curl sends it through the playground ingress.
fn text(function: &str, id: &str, value: &str) -> OutgoingMessage {
    to(function, id)
        .value(&showcase::TEXT, &value.to_owned())
        .unwrap()
}

/// The payloads of the playground egress records of `topic`.
fn topic(harness: &Harness, topic: &str) -> Vec<String> {
    harness
        .playground_records()
        .unwrap()
        .into_iter()
        .filter(|record| record.topic == topic)
        .map(|record| record.payload)
        .collect()
}

fn log(harness: &Harness) -> Vec<String> {
    topic(harness, "log")
}

async fn harness(quotes: QuoteService) -> Harness {
    Harness::builder()
        .handler("showcase/*", showcase::handler(quotes))
        .playground_egress()
        .egress("showcase/kafka")
        .egress("showcase/kinesis")
        .build()
        .unwrap()
}

async fn send(harness: &Harness, message: OutgoingMessage) {
    harness.send(message).await.unwrap();
    harness.run_until_quiescent().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn every_kind_of_type_is_recognised() {
    let harness = harness(QuoteService::default()).await;
    send(&harness, to("types", "a").int(42)).await;
    let ann = UserProfile {
        name: "Ann".into(),
        age: 41,
    };
    send(
        &harness,
        to("types", "a").value(&USER_PROFILE, &ann).unwrap(),
    )
    .await;
    let point = Point { x: 3, y: -4 };
    send(&harness, to("types", "a").value(&POINT, &point).unwrap()).await;
    send(
        &harness,
        to("types", "a").value(&RGB, &Rgb(255, 128, 0)).unwrap(),
    )
    .await;
    let other: TypeName = "other/Thing".parse().unwrap();
    send(&harness, to("types", "a").raw(other, vec![1])).await;
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
    send(&harness, text("ping", "alice", "hello")).await;
    assert_eq!(
        log(&harness),
        [r#"showcase/pong/alice answered "pong: hello""#]
    );

    send(&harness, text("reminder", "r1", "remind me")).await;
    send(&harness, text("reminder", "r2", "remind me")).await;
    send(&harness, text("reminder", "r2", "never mind")).await;
    harness.advance(Duration::from_secs(59)).await.unwrap();
    assert_eq!(log(&harness).len(), 1, "not yet");
    harness.advance(Duration::from_secs(2)).await.unwrap();
    assert_eq!(log(&harness)[1..], ["reminder for r1"], "r2 was cancelled");
}

#[tokio::test(start_paused = true)]
async fn one_message_reaches_a_generic_a_kafka_and_a_kinesis_egress() {
    let harness = harness(QuoteService::default()).await;
    send(&harness, text("egress", "u1", "signed up")).await;
    assert_eq!(topic(&harness, "audit"), ["u1: signed up"]);
    let kafka = harness.kafka_records("showcase/kafka").unwrap().remove(0);
    assert_eq!(
        (
            kafka.topic.as_str(),
            kafka.key.as_deref(),
            kafka.value_str().unwrap()
        ),
        ("events", Some("u1"), "signed up")
    );
    let kinesis = harness
        .kinesis_records("showcase/kinesis")
        .unwrap()
        .remove(0);
    assert_eq!(
        (kinesis.stream.as_str(), kinesis.partition_key.as_str()),
        ("events", "u1")
    );
}

#[tokio::test(start_paused = true)]
async fn a_session_expires_an_hour_after_its_last_use_while_the_count_stays() {
    let harness = harness(QuoteService::default()).await;
    send(&harness, text("session", "sam", "login")).await;
    harness.advance(Duration::from_secs(50 * 60)).await.unwrap();
    send(&harness, text("session", "sam", "whoami")).await;
    harness.advance(Duration::from_secs(50 * 60)).await.unwrap();
    send(&harness, text("session", "sam", "whoami")).await;
    harness.advance(Duration::from_secs(61 * 60)).await.unwrap();
    send(&harness, text("session", "sam", "whoami")).await;
    send(&harness, text("session", "sam", "login")).await;
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
    send(&harness, text("quote", "coffee", "?")).await;
    quotes.set_price("coffee", 3.0).await;
    send(&harness, text("quote", "coffee", "?")).await;
    send(&harness, text("quote", "tea", "?")).await;
    assert_eq!(
        log(&harness),
        ["coffee: 2.5", "coffee: 3 (was 2.5)", "tea: no price"]
    );
}
