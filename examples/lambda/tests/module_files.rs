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
