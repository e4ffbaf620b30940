//! A reference runtime for Apache Flink Stateful Functions (StateFun) 3.x remote functions.
//!
//! A test of a function written with [`statefun-sdk`](https://docs.rs/statefun-sdk-rust), on
//! the [`Harness`] (feature `harness`), in process and on virtual time:
//!
#![cfg_attr(feature = "harness", doc = "```")]
#![cfg_attr(not(feature = "harness"), doc = "```ignore")]
#![doc = include_str!("doc/sdk_function_test.rs")]
#![doc = "```"]
//!
//! The [`statefun-testing`](https://docs.rs/statefun-testing) crate speaks the same
//! harness in the SDK's terms: messages built with the SDK's `MessageBuilder`, states read
//! through their `ValueSpec`s, egress records decoded; a deterministic failure reported
//! once.
//!
//! The runtime speaks only the wire protocol, so it drives any StateFun function: one
//! written with this project's SDK or with an official SDK, over HTTP or in process. Use it
//!
//! - in tests, through the [`Harness`]: send ingress messages, run until quiescent on
//!   virtual time, then inspect state, egress records and delivered batches;
//! - as a local StateFun without Flink: the `statefun-runtime` binary (feature `cli`,
//!   `cargo install statefun-runtime --features cli`) reads an upstream `module.yaml` and
//!   serves the playground's ingress and egress.
//!
//! Its semantics follow StateFun's runtime: at most one request in flight per address,
//! later messages batched behind it, state specs learned from the functions, responses
//! applied in StateFun's order, delayed messages with cancellation, state expiration,
//! and retries with backoff within a call budget.
//!
//! # Cargo features
//!
//! | feature | adds | brings in |
//! |---|---|---|
//! | `harness` | [`Harness`], whose `advance` moves Tokio's paused clock | Tokio's `test-util` |
//! | `cli` | the `statefun-runtime` binary | `clap`, `tracing-subscriber` |
//!
//! Neither is on by default, so a library user's build carries neither.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod admin;
pub mod config;
pub mod egress;
mod engine;
mod error;
mod fast_map;
mod function_type;
#[cfg(feature = "harness")]
mod harness;
pub mod local;
pub mod playground;
#[cfg(test)]
mod raw_http;
pub mod store;

pub mod transport;
pub mod v2;

pub use engine::{
    DEFAULT_CALL_BUDGET, DEFAULT_MAX_NUM_BATCH_REQUESTS, DeliveredBatch, Endpoint, Expiration,
    FailurePolicy, ParkedAddress, ParkedBacklogLimit, Runtime, RuntimeBuilder, StateSpec,
};
pub use error::{Error, ErrorKind};
pub use function_type::{FunctionSelector, FunctionType, SelectorError, TypenameError};
#[cfg(feature = "harness")]
pub use harness::{Harness, HarnessBuilder};
pub use statefun_protocol as protocol;

/// Oracles of the hand-written parsers, for the fuzz targets; not a stable API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::engine::from_function_reads_as_prost;

    /// The HTTP/1.1 client's response parsing against hyper's client: the first byte of
    /// `input` is the size of each read (0: one read), the rest the response.
    pub fn http1_response_reads_as_hyper(input: &[u8]) -> Result<(), String> {
        crate::transport::http1_response_reads_as_hyper(input)
    }
}

/// The largest response body accepted unless configured otherwise: 32 MiB, as StateFun's
/// async transport (`payload_max_bytes`).
pub const DEFAULT_PAYLOAD_MAX_BYTES: usize = 32 * 1024 * 1024;
