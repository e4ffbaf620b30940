//! What the 3.x and 2.x conformance vectors have in common: one JSON file per case with
//! base64 fields, the bundled directory plus one an environment variable may name, and a
//! report that names every failing case at once.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;

/// A case file read as JSON. Its accessors panic naming the file: a broken vector is a
/// broken test.
pub(crate) struct CaseFile {
    path: PathBuf,
    json: serde_json::Value,
}

impl CaseFile {
    pub(crate) fn read(path: &Path) -> CaseFile {
        let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json = serde_json::from_slice(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        CaseFile {
            path: path.to_owned(),
            json,
        }
    }

    pub(crate) fn path(&self) -> PathBuf {
        self.path.clone()
    }

    pub(crate) fn optional(&self, key: &str) -> Option<String> {
        self.json
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }

    pub(crate) fn required(&self, key: &str) -> String {
        self.optional(key)
            .unwrap_or_else(|| panic!("{}: missing string field `{key}`", self.path.display()))
    }

    pub(crate) fn base64(&self, key: &str) -> Bytes {
        STANDARD
            .decode(self.required(key))
            .map(Bytes::from)
            .unwrap_or_else(|e| panic!("{}: `{key}` is not base64: {e}", self.path.display()))
    }

    /// The `name` field, or else the file name without `.json`.
    pub(crate) fn name(&self) -> String {
        self.optional("name").unwrap_or_else(|| {
            self.path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
    }

    pub(crate) fn description(&self) -> String {
        self.optional("description").unwrap_or_default()
    }
}

/// Every `*.json` file in `dir`, sorted by name, loaded with `load`.
///
/// # Panics
/// When `dir` cannot be read.
pub(crate) fn load_dir<C>(dir: &Path, load: fn(&Path) -> C) -> Vec<C> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read conformance directory {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|path| load(path)).collect()
}

/// The cases of `bundled`, then those of `extra` (named by the environment variable
/// `variable`) when given.
///
/// # Panics
/// When a directory cannot be read or holds no case.
pub(crate) fn bundled_then_extra<C>(
    bundled: &Path,
    extra: Option<&Path>,
    variable: &str,
    load: fn(&Path) -> C,
) -> Vec<C> {
    let mut all = load_dir(bundled, load);
    assert!(
        !all.is_empty(),
        "no bundled conformance cases in {}",
        bundled.display()
    );
    if let Some(extra) = extra {
        let extra_cases = load_dir(extra, load);
        assert!(
            !extra_cases.is_empty(),
            "{variable}={} holds no *.json case",
            extra.display()
        );
        all.extend(extra_cases);
    }
    all
}

/// The directory the environment variable `variable` names, if it is set and not empty.
pub(crate) fn extra_dir(variable: &str) -> Option<PathBuf> {
    std::env::var_os(variable)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// How a failing case is named in a report.
pub(crate) struct Named<'c> {
    pub(crate) name: &'c str,
    pub(crate) path: &'c Path,
    pub(crate) description: &'c str,
}

/// Runs `check` on each of `cases` and panics naming every failing one; `what` says which
/// vectors they are ("conformance", "2.x conformance").
pub(crate) fn check_each<C>(
    what: &str,
    cases: &[C],
    named: impl Fn(&C) -> Named<'_>,
    mut check: impl FnMut(&C) -> Result<(), String>,
) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case).err().map(|why| {
                let Named {
                    name,
                    path,
                    description,
                } = named(case);
                format!("case {name} ({}): {description}\n{why}", path.display())
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} {what} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
