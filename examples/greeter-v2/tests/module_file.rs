//! The example's 2.0-format module file loads in the reference runtime.

use statefun_runtime::config::{EgressConfig, EndpointProtocol, ModuleConfig};

#[test]
fn module_yaml_is_a_valid_2x_module() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("module.yaml");
    let module = ModuleConfig::load(&path).unwrap();
    assert_eq!(module.endpoints.len(), 2);
    assert!(
        module
            .endpoints
            .iter()
            .all(|e| matches!(&e.protocol, EndpointProtocol::V2 { states } if states.len() == 1))
    );
    assert!(
        matches!(&module.egresses[0], EgressConfig::PlaygroundV2 { id, .. } if id == "example/greets")
    );
}
