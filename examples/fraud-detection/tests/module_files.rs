//! The module files. `module.yaml` is for a StateFun cluster (the rules every cluster
//! module follows are checked in `tests/tests/cluster_modules.rs`): here, its Kafka topics
//! feed the functions what they read and its Kafka egress takes what `--kafka-egress`
//! writes. `module.local.yaml` loads in the reference runtime, as `cargo run -p
//! statefun-runtime` reads it.

use std::path::{Path, PathBuf};

use fraud_detection::messages::Alert;
use fraud_detection::{AlertsEgress, KAFKA_ALERTS, MerchantService, handler_for};
use statefun_runtime::config::{EgressConfig, IngressConfig, ModuleConfig};
use statefun_testing::Harness;
use statefun_tests::cluster_module::{self, KAFKA_EGRESS_KIND};

fn path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
}

#[tokio::test(start_paused = true)]
async fn the_cluster_module_runs_the_walkthrough_through_kafka() {
    let module =
        cluster_module::load(&path("module.yaml")).unwrap_or_else(|errors| panic!("{errors:#?}"));
    assert!(module.has_egress(KAFKA_EGRESS_KIND, &KAFKA_ALERTS.to_string()));
    let merchants = MerchantService::default();
    merchants.set_score("shady-shop", 0.95).await;
    // No playground egress: an alert sent there would fail the run.
    let harness = Harness::builder()
        .handler("fraud/*", handler_for(merchants, AlertsEgress::Kafka))
        .egress(KAFKA_ALERTS)
        .build()
        .unwrap();

    for _ in 0..2 {
        module
            .produce(&harness, "confirmed-frauds", "acc-1", "{}")
            .await
            .unwrap();
    }
    let payment = r#"{"id": "t1", "account": "acc-1", "merchant": "shady-shop", "amount": 500}"#;
    module
        .produce(&harness, "transactions", "t1", payment)
        .await
        .unwrap();

    let records = harness.kafka_records(KAFKA_ALERTS).unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        (records[0].topic.as_str(), records[0].key.as_deref()),
        ("alerts", Some("acc-1"))
    );
    let alert: Alert = serde_json::from_str(records[0].value_str().unwrap()).unwrap();
    assert_eq!(alert.transaction.id, "t1");
    assert!(alert.score > 0.9, "{alert:?}");
}

#[test]
fn the_local_module_has_the_playground_ingress_and_egress() {
    let module = ModuleConfig::load(path("module.local.yaml")).unwrap();
    assert_eq!(module.endpoints.len(), 1);
    assert!(matches!(
        module.ingresses[..],
        [IngressConfig::Playground { .. }]
    ));
    assert!(matches!(
        &module.egresses[..],
        [EgressConfig::Playground { topics, .. }] if topics == &["alerts"]
    ));
}
