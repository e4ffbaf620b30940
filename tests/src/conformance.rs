//! The conformance vectors: one `ToFunction` request and the `FromFunction` the official
//! Python SDK answered, per case.
//!
//! [`cases`] returns the cases bundled in `tests/conformance/cases/` and, when the
//! environment variable `STATEFUN_CONFORMANCE_DIR` names a directory, every `*.json` case
//! in it as well.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;

/// The environment variable naming an extra directory of cases.
pub const EXTRA_CASES_ENV: &str = "STATEFUN_CONFORMANCE_DIR";

/// One conformance vector.
#[derive(Debug, Clone)]
pub struct Case {
    /// Where the case was read from, to name it in failures.
    pub path: PathBuf,
    /// The case name (file name without `.json`).
    pub name: String,
    /// What the case checks, one line.
    pub description: String,
    /// The function the request targets, `namespace/type`.
    pub function: String,
    /// The serialized `ToFunction`.
    pub request: Bytes,
    /// The serialized `FromFunction` of the reference SDK; may be empty.
    pub expected: Bytes,
}

impl Case {
    /// Reads one case file.
    ///
    /// # Panics
    /// When the file is unreadable or not a case; a broken vector is a broken test.
    pub fn load(path: &Path) -> Case {
        let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json: serde_json::Value = serde_json::from_slice(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        let field = |key: &str| -> String {
            json.get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("{}: missing string field `{key}`", path.display()))
                .to_owned()
        };
        let base64 = |key: &str| -> Bytes {
            STANDARD
                .decode(field(key))
                .map(Bytes::from)
                .unwrap_or_else(|e| panic!("{}: `{key}` is not base64: {e}", path.display()))
        };
        Case {
            path: path.to_owned(),
            name: json
                .get("name")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .unwrap_or_else(|| path.file_stem().unwrap().to_string_lossy().into_owned()),
            description: json
                .get("description")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned(),
            function: field("function"),
            request: base64("request"),
            expected: base64("expected"),
        }
    }
}

/// The directory of the bundled cases.
pub fn bundled_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/cases")
}

/// Every `*.json` case in `dir`, sorted by file name.
///
/// # Panics
/// When `dir` cannot be read.
pub fn cases_in(dir: &Path) -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read conformance directory {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|path| Case::load(path)).collect()
}

/// The bundled cases, then those of `STATEFUN_CONFORMANCE_DIR` when it is set.
///
/// # Panics
/// When a directory cannot be read, or holds no case at all.
pub fn cases() -> Vec<Case> {
    let extra = std::env::var_os(EXTRA_CASES_ENV).filter(|v| !v.is_empty());
    cases_with_extra(extra.as_deref().map(Path::new))
}

/// The bundled cases, then those of `extra` if given.
///
/// # Panics
/// When a directory cannot be read, or holds no case at all.
pub fn cases_with_extra(extra: Option<&Path>) -> Vec<Case> {
    let mut all = cases_in(&bundled_dir());
    assert!(!all.is_empty(), "no bundled conformance cases");
    if let Some(extra) = extra {
        let extra_cases = cases_in(extra);
        assert!(
            !extra_cases.is_empty(),
            "{EXTRA_CASES_ENV}={} holds no *.json case",
            extra.display()
        );
        all.extend(extra_cases);
    }
    all
}

/// Runs `check` on every case and panics with every failing case named.
pub fn check_all(check: impl FnMut(&Case) -> Result<(), String>) {
    check_cases(&cases(), check);
}

/// Runs `check` on each of `cases` and panics with every failing case named.
pub fn check_cases(cases: &[Case], mut check: impl FnMut(&Case) -> Result<(), String>) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case).err().map(|why| {
                format!(
                    "case {} ({}): {}\n{why}",
                    case.name,
                    case.path.display(),
                    case.description
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} conformance cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
