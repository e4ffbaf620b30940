//! The module files. `module.yaml` is for a StateFun cluster (the rules every cluster
//! module follows are checked in `tests/tests/cluster_modules.rs`): here, its Kafka topics
//! feed the functions what they read and its Kafka and Kinesis egresses take what
//! `--kafka-egress` writes. `module.local.yaml` loads in the reference runtime, as `cargo
//! run -p statefun-runtime` reads it.

use std::path::{Path, PathBuf};

use showcase::async_work::QuoteService;
use showcase::egress::{KAFKA, KINESIS};
use showcase::{Lines, handler_for};
use statefun_runtime::config::{EgressConfig, IngressConfig, ModuleConfig};
use statefun_testing::Harness;
use statefun_tests::cluster_module::{self, KAFKA_EGRESS_KIND};

fn path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
}

#[tokio::test(start_paused = true)]
async fn the_cluster_module_runs_the_tour_through_kafka() {
    let module =
        cluster_module::load(&path("module.yaml")).unwrap_or_else(|errors| panic!("{errors:#?}"));
    assert!(module.has_egress(KAFKA_EGRESS_KIND, &KAFKA.to_string()));
    assert!(
        module
            .egresses
            .iter()
            .any(|egress| egress.id == KINESIS.to_string())
    );
    let quotes = QuoteService::default();
    quotes.set_price("coffee", 2.5).await;
    // No playground egress: a line sent there would fail the run.
    let harness = Harness::builder()
        .handler("showcase/*", handler_for(quotes, Lines::Kafka))
        .egress(KAFKA)
        .egress(KINESIS)
        .build()
        .unwrap();

    module
        .produce(&harness, "ping", "alice", "hello")
        .await
        .unwrap();
    module
        .produce(&harness, "session", "sam", "login")
        .await
        .unwrap();
    module
        .produce(&harness, "quote", "coffee", "?")
        .await
        .unwrap();
    module
        .produce(&harness, "egress", "eve", "signed up")
        .await
        .unwrap();
    module
        .produce(&harness, "types", "t", r#"{"name": "Ann", "age": 41}"#)
        .await
        .unwrap();
    module
        .produce(&harness, "reminder", "r1", "remind me")
        .await
        .unwrap();
    harness.run_until_no_delayed_messages().await.unwrap();

    let records: Vec<(String, String, String)> = harness
        .kafka_records(KAFKA)
        .unwrap()
        .into_iter()
        .map(|record| {
            let value = record.value_str().unwrap().to_owned();
            (record.topic, record.key.unwrap_or_default(), value)
        })
        .collect();
    let expected = [
        (
            "log",
            "alice",
            r#"showcase/pong/alice answered "pong: hello""#,
        ),
        ("log", "sam", "sam logged in (1 times so far)"),
        ("log", "coffee", "coffee: 2.5"),
        ("audit", "eve", "eve: signed up"),
        ("events", "eve", "signed up"),
        ("log", "t", "user Ann aged 41"),
        ("log", "r1", "reminder for r1"),
    ]
    .map(|(topic, key, value)| (topic.to_owned(), key.to_owned(), value.to_owned()));
    assert_eq!(records, expected);
    assert_eq!(harness.kinesis_records(KINESIS).unwrap().len(), 1);
}

#[test]
fn the_local_module_has_the_playground_ingress_and_egress() {
    let module = ModuleConfig::load(path("module.local.yaml")).unwrap();
    assert_eq!(module.endpoints.len(), 1);
    assert!(matches!(
        module.ingresses[..],
        [IngressConfig::Playground { .. }]
    ));
    assert!(module.egresses.iter().any(|egress| matches!(
        egress,
        EgressConfig::Playground { topics, .. } if topics == &["log", "audit"]
    )));
}
