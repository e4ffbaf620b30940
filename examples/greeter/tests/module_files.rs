//! The example's module file loads in the reference runtime, which reads it as StateFun does.

use statefun_runtime::config::ModuleConfig;

#[test]
fn module_yaml_is_a_valid_statefun_module() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("module.yaml");
    let module = ModuleConfig::load(&path).unwrap();
    assert_eq!(module.endpoints.len(), 1);
    assert_eq!((module.ingresses.len(), module.egresses.len()), (1, 1));
}
