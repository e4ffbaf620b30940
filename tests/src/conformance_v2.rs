//! The StateFun 2.x conformance vectors (`tests/conformance-v2/`, produced with the
//! official 2.2.2 Python SDK): a request, and either the response the SDK answered or the
//! fact that it failed the request.
//!
//! [`cases`] returns the bundled cases and, when the environment variable
//! `STATEFUN_CONFORMANCE_V2_DIR` names a directory, every `*.json` case in it as well.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::case_files::{self, CaseFile, Named};

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
        let file = CaseFile::read(path);
        let outcome = match file.required("outcome").as_str() {
            "response" => Outcome::Response(file.base64("expected")),
            "error" => Outcome::Error(file.optional("error").unwrap_or_default()),
            other => panic!("{}: unknown outcome `{other}`", path.display()),
        };
        Case {
            path: file.path(),
            name: file.name(),
            description: file.description(),
            request: file.base64("request"),
            outcome,
        }
    }

    fn named(&self) -> Named<'_> {
        Named {
            name: &self.name,
            path: &self.path,
            description: &self.description,
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
    case_files::load_dir(dir, Case::load)
}

/// The bundled cases, then those of `STATEFUN_CONFORMANCE_V2_DIR` when it is set.
///
/// # Panics
/// When a directory cannot be read or holds no case.
pub fn cases() -> Vec<Case> {
    let extra = case_files::extra_dir(EXTRA_CASES_ENV);
    case_files::bundled_then_extra(
        &bundled_dir(),
        extra.as_deref(),
        EXTRA_CASES_ENV,
        Case::load,
    )
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
pub fn check_all(cases: &[Case], check: impl FnMut(&Case) -> Result<(), String>) {
    case_files::check_each("2.x conformance", cases, Case::named, check);
}
