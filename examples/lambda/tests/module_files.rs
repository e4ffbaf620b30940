//! The example's module files load in the reference runtime, which reads them as StateFun
//! does: the cluster's with Kafka in and out, the local one for cargo-lambda's emulator.

use statefun_runtime::config::ModuleConfig;

fn path(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
}

#[test]
fn the_cluster_module_has_kafka_in_and_out() {
    let module = ModuleConfig::load(path("module.yaml")).unwrap();
    assert_eq!(module.endpoints.len(), 1);
    assert_eq!((module.ingresses.len(), module.egresses.len()), (1, 1));
    // That it holds only a cluster's kinds, and the reference's keys, is checked for every
    // cluster module in tests/tests/cluster_modules.rs.
}

#[test]
fn the_local_module_calls_the_emulators_function_url() {
    let module = ModuleConfig::load(path("module.local.yaml")).unwrap();
    assert_eq!(module.endpoints.len(), 1);
    let text = std::fs::read_to_string(path("module.local.yaml")).unwrap();
    assert!(text.contains("urlPathTemplate: http://localhost:9000/lambda-url/lambda-greeter/"));
}

/// A record on the cluster module's topic `names` (a StringWrapper, as the StateFun SDKs
/// write a string), delivered as its Kafka ingress would, reaches the function, whose
/// greeting goes to the module's Kafka egress.
#[tokio::test(start_paused = true)]
async fn the_cluster_modules_topic_and_egress_fit_the_function() {
    use lambda_greeter::{GREETINGS, handler};
    use statefun_sdk::types::StringType;
    use statefun_tests::cluster_module::{self, KAFKA_EGRESS_KIND};

    let module = cluster_module::load(&path("module.yaml")).unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(module.has_egress(KAFKA_EGRESS_KIND, &GREETINGS.to_string()));
    let harness = statefun_testing::Harness::builder()
        .handler("lambda/*", handler())
        .egress(GREETINGS)
        .build()
        .unwrap();
    let bob = statefun_testing::convert::value(&StringType, &"Bob".to_owned()).unwrap();
    module
        .produce(&harness, "names", "Bob", bob.value)
        .await
        .unwrap();
    let records = harness.kafka_records(GREETINGS).unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].value_str().unwrap(), "Hello Bob!");
}
