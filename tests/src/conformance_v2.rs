//! The StateFun 2.x conformance vectors (`tests/conformance-v2/`, produced with the
//! official 2.2.2 Python SDK): a request, and either the response the SDK answered or the
//! fact that it failed the request.
//!
//! [`cases`] returns the bundled cases and, when the environment variable
//! `STATEFUN_CONFORMANCE_V2_DIR` names a directory, every `*.json` case in it as well.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;

/// The environment variable naming an extra directory of 2.x cases.
pub const EXTRA_CASES_ENV: &str = "STATEFUN_CONFORMANCE_V2_DIR";

/// What the reference SDK did with a case's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It answered these bytes (a serialized 2.x `FromFunction`, possibly empty).
    Response(Bytes),
    /// It failed the request; the text says how (informational).
    Error(String),
}

/// One 2.x conformance vector.
#[derive(Debug, Clone)]
pub struct Case {
    /// Where the case was read from.
    pub path: PathBuf,
    /// The case name.
    pub name: String,
    /// What the case checks.
    pub description: String,
    /// The serialized 2.x `ToFunction`.
    pub request: Bytes,
    /// What must happen.
    pub outcome: Outcome,
}

impl Case {
    /// Reads one case file.
    ///
    /// # Panics
    /// When the file is unreadable or not a case.
    pub fn load(path: &Path) -> Case {
        let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json: serde_json::Value = serde_json::from_slice(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        let field = |key: &str| -> Option<String> {
            json.get(key).and_then(|v| v.as_str()).map(str::to_owned)
        };
        let required = |key: &str| -> String {
            field(key).unwrap_or_else(|| panic!("{}: missing string field `{key}`", path.display()))
        };
        let base64 = |key: &str| -> Bytes {
            STANDARD
                .decode(required(key))
                .map(Bytes::from)
                .unwrap_or_else(|e| panic!("{}: `{key}` is not base64: {e}", path.display()))
        };
        let outcome = match required("outcome").as_str() {
            "response" => Outcome::Response(base64("expected")),
            "error" => Outcome::Error(field("error").unwrap_or_default()),
            other => panic!("{}: unknown outcome `{other}`", path.display()),
        };
        Case {
            path: path.to_owned(),
            name: field("name").unwrap_or_else(|| {
                path.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            }),
            description: field("description").unwrap_or_default(),
            request: base64("request"),
            outcome,
        }
    }
}

/// The directory of the bundled 2.x cases.
pub fn bundled_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance-v2/cases")
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

/// The bundled cases, then those of `STATEFUN_CONFORMANCE_V2_DIR` when it is set.
///
/// # Panics
/// When a directory cannot be read or holds no case.
pub fn cases() -> Vec<Case> {
    let mut all = cases_in(&bundled_dir());
    assert!(!all.is_empty(), "no bundled 2.x conformance cases");
    if let Some(extra) = std::env::var_os(EXTRA_CASES_ENV).filter(|v| !v.is_empty()) {
        let extra = PathBuf::from(extra);
        let extra_cases = cases_in(&extra);
        assert!(
            !extra_cases.is_empty(),
            "{EXTRA_CASES_ENV}={} holds no *.json case",
            extra.display()
        );
        all.extend(extra_cases);
    }
    all
}

/// The verdict on what a handler did with `case`'s request: `answer` is the response
/// body, or `Err` with the failure when it failed the request.
pub fn verdict(case: &Case, answer: Result<&[u8], String>) -> Result<(), String> {
    match (&case.outcome, answer) {
        (Outcome::Error(_), Err(_)) => Ok(()),
        (Outcome::Error(reference), Ok(body)) => Err(format!(
            "must fail (the reference SDK raised {reference}), but answered {} bytes",
            body.len()
        )),
        (Outcome::Response(_), Err(error)) => Err(format!("the handler failed: {error}")),
        (Outcome::Response(expected), Ok(body)) => {
            crate::semantic_v2::semantic_diff_v2(expected, body)
        }
    }
}

/// Runs `check` on every case and panics naming every failing one.
pub fn check_all(cases: &[Case], mut check: impl FnMut(&Case) -> Result<(), String>) {
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
        "{} of {} 2.x conformance cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
