//! The example's module files load in the reference runtime, which reads them as StateFun
//! does: the cluster's with Kafka in and out, the playground's with its ingress and egress.

use statefun_runtime::config::ModuleConfig;

fn load(file: &str) -> ModuleConfig {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    ModuleConfig::load(&path).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn the_cluster_module_has_a_kafka_ingress_and_egress() {
    let module = load("module.yaml");
    assert_eq!(module.endpoints.len(), 1);
    assert_eq!((module.ingresses.len(), module.egresses.len()), (1, 1));
    // That it holds only a cluster's kinds, and the reference's keys, is checked for every
    // cluster module in tests/tests/cluster_modules.rs.
}

#[test]
fn the_local_module_has_the_playground_ingress_and_egress() {
    let module = load("module.local.yaml");
    assert_eq!(module.endpoints.len(), 1);
    assert_eq!((module.ingresses.len(), module.egresses.len()), (1, 1));
}

/// A record on the cluster module's topic `names`, delivered as its Kafka ingress would,
/// reaches the function, whose greeting (with `--kafka-egress`) goes to its Kafka egress.
#[tokio::test(start_paused = true)]
async fn the_cluster_modules_topic_and_egress_fit_the_functions() {
    use greeter::{GreetingsEgress, KAFKA_GREETINGS};
    use statefun_tests::cluster_module::{self, KAFKA_EGRESS_KIND};

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("module.yaml");
    let module = cluster_module::load(&path).unwrap_or_else(|errors| panic!("{errors:#?}"));
    assert!(module.has_egress(KAFKA_EGRESS_KIND, &KAFKA_GREETINGS.to_string()));
    let harness = statefun_testing::Harness::builder()
        .handler("example/*", greeter::handler_for(GreetingsEgress::Kafka))
        .egress(KAFKA_GREETINGS)
        .build()
        .unwrap();
    let request = r#"{"name": "Bob"}"#;
    module
        .produce(&harness, "names", "Bob", request)
        .await
        .unwrap();
    let records = harness.kafka_records(KAFKA_GREETINGS).unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].key.as_deref(), Some("Bob"));
    assert_eq!(records[0].value_str().unwrap(), "Welcome Bob");
}
