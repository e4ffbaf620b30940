//! Shared support for the workspace's tests: the StateFun conformance vectors and their
//! comparison rules, and the rules of a cluster's module file.

#![deny(missing_docs)]

mod case_files;
pub mod cluster_module;
pub mod conformance;
pub mod conformance_v2;
pub mod oracle;
mod semantic;
mod semantic_v2;
pub mod wire_scan;

pub use semantic::semantic_diff;
pub use semantic_v2::semantic_diff_v2;

/// The README's Rust snippets, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
