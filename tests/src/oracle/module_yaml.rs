//! `module.yaml` parsing never panics, and each error says where it is: the YAML error's
//! position, or the document (and its kind) holding the bad key.

use statefun_runtime::config::ModuleConfig;

/// Parses `text` as a module file and checks the error, if any.
pub fn check(text: &str) {
    let Err(error) = ModuleConfig::parse(text) else {
        return;
    };
    let message = error.to_string();
    assert!(
        message.starts_with("the module ") || message.contains("module.yaml"),
        "{text:?}: an error that does not say where: {message}"
    );
    if let Some(problem) = message.strip_prefix("the module document ") {
        assert!(
            problem.contains('`'),
            "{text:?}: an error that names no key or value: {message}"
        );
    }
}
