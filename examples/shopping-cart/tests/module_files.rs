//! The module files. `module.yaml` is for a StateFun cluster (the rules every cluster
//! module follows are checked in `tests/tests/cluster_modules.rs`): here, its Kafka topics
//! feed the functions what they read and its Kafka egress takes what `--kafka-egress`
//! writes. `module.local.yaml` loads in the reference runtime, as `cargo run -p
//! statefun-runtime` reads it.

use std::path::{Path, PathBuf};

use shopping_cart::messages::Receipt;
use shopping_cart::{IN_STOCK, KAFKA_RECEIPTS, ReceiptsEgress, STOCK, handler_for};
use statefun_runtime::config::{EgressConfig, IngressConfig, ModuleConfig};
use statefun_sdk::Address;
use statefun_testing::Harness;
use statefun_tests::cluster_module::{self, ClusterModule, KAFKA_EGRESS_KIND};

fn path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
}

fn cluster_module() -> ClusterModule {
    cluster_module::load(&path("module.yaml")).unwrap_or_else(|errors| panic!("{errors:#?}"))
}

#[tokio::test(start_paused = true)]
async fn the_cluster_module_runs_the_shop_through_kafka() {
    let module = cluster_module();
    assert!(module.has_egress(KAFKA_EGRESS_KIND, &KAFKA_RECEIPTS.to_string()));
    assert_eq!(
        module.route("restocks").unwrap().targets,
        [STOCK.to_string()]
    );
    // No playground egress: a receipt sent there would fail the run.
    let harness = Harness::builder()
        .handler("shop/*", handler_for(ReceiptsEgress::Kafka))
        .egress(KAFKA_RECEIPTS)
        .build()
        .unwrap();

    module
        .produce(&harness, "restocks", "socks", r#"{"quantity": 10}"#)
        .await
        .unwrap();
    let addition = r#"{"item": "socks", "quantity": 3}"#;
    module
        .produce(&harness, "cart-additions", "alice", addition)
        .await
        .unwrap();
    module
        .produce(&harness, "checkouts", "alice", "{}")
        .await
        .unwrap();

    let socks = Address::new(STOCK, "socks");
    assert_eq!(harness.state(&socks, &IN_STOCK).unwrap(), Some(7));
    let records = harness.kafka_records(KAFKA_RECEIPTS).unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        (records[0].topic.as_str(), records[0].key.as_deref()),
        ("receipts", Some("alice"))
    );
    let receipt: Receipt = serde_json::from_str(records[0].value_str().unwrap()).unwrap();
    assert_eq!(receipt.user, "alice");
    assert_eq!(receipt.items.get("socks"), Some(&3));
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
        [EgressConfig::Playground { topics, .. }] if topics == &["receipts"]
    ));
}
