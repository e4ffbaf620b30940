//! Oracles for the hand-written parsers and writers: each `check` panics, naming the
//! input, when the code under test disagrees with the reference implementation (prost).
//! The fuzz targets in `fuzz/` and the property tests of this crate call the same checks.

pub mod module_yaml;
pub mod sdk_answers;
pub mod sdk_request;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Runs a future that never waits on I/O (the SDK's handler over in-memory functions).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}
