//! The greetings reach the egress of the module file in use: the playground's locally, the
//! Kafka egress of `module.yaml` on a cluster.

use greeter::{GREET_REQUEST, GreetRequest, GreetingsEgress, KAFKA_GREETINGS, PERSON};
use statefun_sdk::MessageBuilder;
use statefun_testing::Harness;

fn bob() -> statefun_sdk::OutgoingMessage {
    let request = GreetRequest {
        name: "Bob".into(),
        visits: None,
    };
    MessageBuilder::to(PERSON, "Bob")
        .value(&GREET_REQUEST, &request)
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn on_a_cluster_the_greetings_go_to_kafka_keyed_by_name() {
    let harness = Harness::builder()
        .handler("example/*", greeter::handler_for(GreetingsEgress::Kafka))
        .egress(KAFKA_GREETINGS)
        .build()
        .unwrap();
    harness.send(bob()).await.unwrap();
    harness.send(bob()).await.unwrap();
    harness.run_until_quiescent().await.unwrap();
    let records = harness.kafka_records(KAFKA_GREETINGS).unwrap();
    let greetings: Vec<(&str, Option<&str>, &str)> = records
        .iter()
        .map(|r| (r.topic.as_str(), r.key.as_deref(), r.value_str().unwrap()))
        .collect();
    assert_eq!(
        greetings,
        [
            ("greetings", Some("Bob"), "Welcome Bob"),
            ("greetings", Some("Bob"), "Nice to see you again Bob"),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn locally_the_greetings_go_to_the_playground_egress() {
    let harness = Harness::builder()
        .handler("example/*", greeter::handler())
        .playground_egress()
        .build()
        .unwrap();
    harness.send(bob()).await.unwrap();
    harness.run_until_quiescent().await.unwrap();
    let records = harness.playground_records().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].topic.as_str(), records[0].payload.as_str()),
        ("greetings", "Welcome Bob")
    );
}
