//! The conformance vectors: one `ToFunction` request and the `FromFunction` the official
//! Python SDK answered, per case.
//!
//! [`cases`] returns the cases bundled in `tests/conformance/cases/` and, when the
//! environment variable `STATEFUN_CONFORMANCE_DIR` names a directory, every `*.json` case
//! in it as well.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::case_files::{self, CaseFile, Named};

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
        let file = CaseFile::read(path);
        Case {
            path: file.path(),
            name: file.name(),
            description: file.description(),
            function: file.required("function"),
            request: file.base64("request"),
            expected: file.base64("expected"),
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

/// The directory of the bundled cases.
pub fn bundled_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/cases")
}

/// Every `*.json` case in `dir`, sorted by file name.
///
/// # Panics
/// When `dir` cannot be read.
pub fn cases_in(dir: &Path) -> Vec<Case> {
    case_files::load_dir(dir, Case::load)
}

/// The bundled cases, then those of `STATEFUN_CONFORMANCE_DIR` when it is set.
///
/// # Panics
/// When a directory cannot be read, or holds no case at all.
pub fn cases() -> Vec<Case> {
    cases_with_extra(case_files::extra_dir(EXTRA_CASES_ENV).as_deref())
}

/// The bundled cases, then those of `extra` if given.
///
/// # Panics
/// When a directory cannot be read, or holds no case at all.
pub fn cases_with_extra(extra: Option<&Path>) -> Vec<Case> {
    case_files::bundled_then_extra(&bundled_dir(), extra, EXTRA_CASES_ENV, Case::load)
}

/// Runs `check` on every case and panics with every failing case named.
pub fn check_all(check: impl FnMut(&Case) -> Result<(), String>) {
    check_cases(&cases(), check);
}

/// Runs `check` on each of `cases` and panics with every failing case named.
pub fn check_cases(cases: &[Case], check: impl FnMut(&Case) -> Result<(), String>) {
    case_files::check_each("conformance", cases, Case::named, check);
}
