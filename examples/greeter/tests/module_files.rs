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
