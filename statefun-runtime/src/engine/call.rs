//! Calls to functions: attempts with exponential backoff within the call budget, on
//! tasks that live as long as there are calls for them.

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use prost::Message;
use statefun_protocol::{Address, FromFunction};
use tokio::time::Instant;

use super::Shared;
use super::endpoint::Endpoint;
use crate::error::{Error, Repr};
use crate::transport::{CallFuture, FunctionTransport, TransportError};

/// The first backoff; it doubles after every failed attempt, as in StateFun's async transport.
const FIRST_BACKOFF: Duration = Duration::from_millis(2);
/// Below this much budget no attempt is worth starting.
const MIN_ATTEMPT: Duration = Duration::from_millis(1);

/// A request ready to be sent to `target`.
pub(super) struct Call {
    pub target: Arc<Address>,
    pub endpoint: Arc<Endpoint>,
    pub request: Bytes,
}

/// Runs `call`, then one of the calls its response started, and so on: a chain of
/// messages runs on one task instead of a spawn per call. The other calls a response
/// starts get tasks of their own.
pub(super) async fn run(shared: Arc<Shared>, mut call: Call) {
    loop {
        let outcome = call_with_retries(
            call.endpoint.transport.as_ref(),
            &call.target,
            call.request,
            call.endpoint.call_budget,
        )
        .await;
        let Some(next) = shared.complete(&call.target, outcome) else {
            return;
        };
        call = next;
        // Functions in process may answer without ever making this task wait: give the
        // other tasks their turn now and then.
        tokio::task::consume_budget().await;
    }
}

/// Sends `request` until the function gives a decodable answer or `budget` runs out. Every
/// attempt sends the very same bytes, so a batch is never altered by a retry.
pub(crate) async fn call_with_retries(
    transport: &dyn FunctionTransport,
    target: &Address,
    request: Bytes,
    budget: Duration,
) -> Result<FromFunction, Error> {
    let deadline = Instant::now() + budget;
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let cause = match attempt(transport, target, request.clone(), remaining).await {
            Ok(response) => return Ok(response),
            Err(cause) => cause,
        };
        let backoff = FIRST_BACKOFF.saturating_mul(1 << (attempts - 1).min(20));
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining < backoff + MIN_ATTEMPT {
            return Err(Repr::CallFailed {
                address: target.clone(),
                attempts,
                budget,
                cause,
            }
            .into());
        }
        tracing::warn!(%target, attempts, ?backoff, "call failed, retrying: {cause}");
        tokio::time::sleep(backoff).await;
    }
}

async fn attempt(
    transport: &dyn FunctionTransport,
    target: &Address,
    request: Bytes,
    within: Duration,
) -> Result<FromFunction, TransportError> {
    let call = catch_panic(|| transport.call(target, request));
    let body = match tokio::time::timeout(within, call).await {
        Ok(Ok(outcome)) => outcome?,
        Ok(Err(panic)) => {
            return Err(TransportError::request(format!(
                "the transport panicked: {}",
                panic_message(&*panic)
            )));
        }
        Err(_) => return Err(TransportError::timeout(within)),
    };
    FromFunction::decode(body).map_err(TransportError::decode)
}

/// Runs the transport's call and its future, turning a panic in either into an error, so
/// a transport that panics fails this attempt instead of leaving the address in flight
/// forever. (Catching in place costs nothing, where a task per attempt cost a spawn.)
fn catch_panic(
    call: impl FnOnce() -> CallFuture,
) -> impl Future<Output = Result<Result<Bytes, TransportError>, Box<dyn Any + Send>>> {
    let mut call = panic::catch_unwind(AssertUnwindSafe(call)).map_err(Some);
    std::future::poll_fn(move |cx| match &mut call {
        Ok(future) => match panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(outcome)) => Poll::Ready(Ok(outcome)),
            Err(panic) => Poll::Ready(Err(panic)),
        },
        Err(panic) => Poll::Ready(Err(panic.take().expect("not polled after completion"))),
    })
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}
