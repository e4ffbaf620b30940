//! A reference runtime for Apache Flink Stateful Functions (StateFun) 3.x remote functions.
//!
//! It speaks only the wire protocol, so it drives any StateFun function: one written with
//! this project's SDK or with an official SDK, over HTTP or in process. Use it
//!
//! - in tests, through the [`Harness`]: send ingress messages, run until quiescent on
//!   virtual time, then inspect state, egress records and delivered batches;
//! - as a local StateFun without Flink: the `statefun-runtime` binary reads an upstream
//!   `module.yaml` and serves the playground's ingress and egress.
//!
//! Its semantics follow StateFun's runtime: at most one request in flight per address,
//! later messages batched behind it, state specs learned from the functions, responses
//! applied in StateFun's order, delayed messages with cancellation, state expiration,
//! and retries with backoff within a call budget.
//!
//! ```
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use statefun_runtime::Harness;
//! use statefun_runtime::protocol::{Address, TypedValue};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! // A function answering every batch with no effect, called in process.
//! let function = tower::service_fn(|_request: http::Request<Full<Bytes>>| async {
//!     http::Response::builder()
//!         .header("content-type", "application/octet-stream")
//!         .body(Full::new(Bytes::new()))
//! });
//! let harness = Harness::builder().service("example/*", function).build().unwrap();
//! let bob = Address::new("example", "greeter", "bob");
//! harness.send(bob.clone(), TypedValue::new("example/Name", &b"Bob"[..])).await.unwrap();
//! harness.run_until_quiescent().await.unwrap();
//! assert_eq!(harness.delivered().len(), 1);
//! # });
//! ```

#![deny(missing_docs)]

pub mod config;
pub mod egress;
mod engine;
mod error;
mod fast_map;
mod function_type;
mod harness;
pub mod local;
pub mod playground;

pub mod transport;

pub use engine::{
    DEFAULT_CALL_BUDGET, DEFAULT_MAX_NUM_BATCH_REQUESTS, DeliveredBatch, Endpoint, Expiration,
    Runtime, RuntimeBuilder, StateSpec,
};
pub use error::{Error, ErrorKind};
pub use function_type::{FunctionSelector, FunctionType, SelectorError, TypenameError};
pub use harness::{Harness, HarnessBuilder};
pub use statefun_protocol as protocol;

/// Oracles of the hand-written parsers, for the fuzz targets; not a stable API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::engine::from_function_reads_as_prost;
}

/// The largest response body accepted unless configured otherwise: 32 MiB, as StateFun's
/// async transport (`payload_max_bytes`).
pub const DEFAULT_PAYLOAD_MAX_BYTES: usize = 32 * 1024 * 1024;
