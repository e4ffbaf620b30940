//! What the workspace's test suites share and no library may depend on: child processes
//! watched under a deadline (a server binary started, its "listening" line awaited,
//! signalled, its exit awaited) and function servers written with the official Python
//! SDKs.
//!
//! A dev-dependency only, by path: `cargo publish` drops it from the published crates,
//! whose tests stay in the repository.

#![deny(missing_docs)]

mod process;
pub mod python;

pub use process::{DEADLINE, Process};
