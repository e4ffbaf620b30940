//! The example's module files load in the reference runtime, which reads them as StateFun does.

use statefun_runtime::config::ModuleConfig;

#[test]
fn module_files_are_valid_statefun_modules() {
    for file in ["module.yaml", "module.local.yaml"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let module = ModuleConfig::load(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(module.endpoints.len(), 1, "{file} declares one endpoint");
        assert!(
            !module.ingresses.is_empty() && !module.egresses.is_empty(),
            "{file} has ingress and egress"
        );
    }
}
