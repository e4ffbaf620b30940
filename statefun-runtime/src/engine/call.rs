//! Calls to functions: attempts with exponential backoff within the call budget, on
//! tasks that live as long as there are calls for them.

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::{Instant, Sleep};

use super::Shared;
use super::address_key::AddressKey;
use super::decode::{self, Answer};
use super::endpoint::{Endpoint, Transport};
use crate::error::{Error, Repr};
use crate::transport::TransportError;

/// The first backoff; it doubles after every failed attempt, as in StateFun's async transport.
const FIRST_BACKOFF: Duration = Duration::from_millis(2);
/// Below this much budget no attempt is worth starting.
const MIN_ATTEMPT: Duration = Duration::from_millis(1);

/// A request ready to be sent to `target`; it goes back to the engine with its outcome.
pub(super) struct Call {
    pub target: AddressKey,
    pub endpoint: Arc<Endpoint>,
    /// The `ToFunction`, and where its invocation entries start.
    pub request: Bytes,
    pub invocations_at: usize,
    /// How many invocations the request carries.
    pub batch_size: usize,
    /// The journal's numbers of the invocations, removed when the answer is applied;
    /// empty without a store.
    pub seqs: Vec<u64>,
    /// When the call started: when it was made, on the engine's clock, until the task
    /// that runs it starts its first attempt. Its deadline and latency count from here.
    pub started: Instant,
}

impl Call {
    /// The invocation entries of the request.
    pub fn invocations(&self) -> &[u8] {
        &self.request[self.invocations_at..]
    }
}

/// Runs `call`, then one of the calls its response started, and so on: a chain of
/// messages runs on one task instead of a spawn per call. The other calls a response
/// starts get tasks of their own.
pub(super) async fn run(shared: Arc<Shared>, mut call: Call) {
    // One clock reading per call gives both its deadline and, with the engine's reading
    // at its answer, its latency.
    call.started = Instant::now();
    // One timer for every call of this task: moving a deadline later is an atomic update
    // in Tokio, where a timer per attempt took the timer driver's lock twice.
    let timer = tokio::time::sleep_until(call.started + call.endpoint.call_budget);
    tokio::pin!(timer);
    loop {
        let outcome = call_with_retries(&call, timer.as_mut()).await;
        let Some(next) = shared.complete(call, outcome) else {
            return;
        };
        call = next;
        // Functions in process may answer without ever making this task wait: give the
        // other tasks their turn now and then.
        tokio::task::consume_budget().await;
        call.started = Instant::now();
    }
}

/// Sends the request until the function gives a decodable answer or the budget, counted
/// from the call's start, runs out. Every attempt sends the very same bytes, so a batch is
/// never altered by a retry.
async fn call_with_retries(call: &Call, mut timer: Pin<&mut Sleep>) -> Result<Answer, Error> {
    let budget = call.endpoint.call_budget;
    let deadline = call.started + budget;
    // Each attempt may take what is left of the budget, so all end at the call's deadline.
    timer.as_mut().reset(deadline);
    let mut attempts: u32 = 0;
    // The first attempt has the whole budget.
    let mut remaining = budget;
    loop {
        attempts += 1;
        let cause = match attempt(call, timer.as_mut(), remaining).await {
            Ok(response) => return Ok(response),
            Err(cause) => cause,
        };
        call.endpoint.attempt_failures.record(&call.target, &cause);
        let backoff = FIRST_BACKOFF.saturating_mul(1 << (attempts - 1).min(20));
        let left = deadline.saturating_duration_since(Instant::now());
        if left < backoff + MIN_ATTEMPT || attempts >= call.endpoint.max_attempts {
            return Err(Repr::CallFailed {
                address: call.target.to_address(),
                attempts,
                budget,
                cause,
            }
            .into());
        }
        tracing::warn!(target = ?call.target, attempts, ?backoff, "call failed, retrying: {cause}");
        tokio::time::sleep(backoff).await;
        remaining = deadline.saturating_duration_since(Instant::now());
    }
}

/// One attempt, which `timer` ends `within` from now.
async fn attempt(
    call: &Call,
    timer: Pin<&mut Sleep>,
    within: Duration,
) -> Result<Answer, TransportError> {
    // Futures are pinned where they are made: moving one copies all of it.
    let answer = match &call.endpoint.transport {
        Transport::Http(http) => {
            let exchange = pin!(http.exchange(call.target.type_bytes(), &call.request));
            until(timer, exchange).await
        }
        Transport::Other(transport) => {
            let target = call.target.to_address();
            match panic::catch_unwind(AssertUnwindSafe(|| {
                transport.call(&target, call.request.clone())
            })) {
                Ok(mut future) => until(timer, future.as_mut()).await,
                Err(panic) => Some(Err(panic)),
            }
        }
    };
    let body = match answer {
        Some(Ok(outcome)) => outcome?,
        Some(Err(panic)) => {
            return Err(TransportError::request(format!(
                "the transport panicked: {}",
                panic_message(&*panic)
            )));
        }
        None => return Err(TransportError::timeout(within)),
    };
    decode::answer(body).map_err(TransportError::decode)
}

/// What `future` gives, or `None` if `timer` elapses first. A panic while polling the
/// future becomes an error, so a transport that panics fails this attempt instead of
/// leaving the address in flight forever. (Catching in place costs nothing, where a task
/// per attempt cost a spawn.)
async fn until<F: Future + ?Sized>(
    mut timer: Pin<&mut Sleep>,
    mut future: Pin<&mut F>,
) -> Option<Result<F::Output, Box<dyn Any + Send>>> {
    std::future::poll_fn(move |cx| {
        match panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => return Poll::Ready(Some(Ok(output))),
            Err(panic) => return Poll::Ready(Some(Err(panic))),
            Ok(Poll::Pending) => {}
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::transport::{CallFuture, FunctionTransport, TransportErrorKind};
    use statefun_protocol::Address;

    /// Panics when called or, with `in_future`, when its future is polled.
    struct Panicking {
        in_future: bool,
    }

    impl FunctionTransport for Panicking {
        fn call(&self, _target: &Address, _request: Bytes) -> CallFuture {
            assert!(self.in_future, "boom");
            Box::pin(async { panic!("boom") })
        }
    }

    /// A call of an empty request to `ns/fn/id` through `endpoint`.
    fn empty_call(endpoint: Endpoint) -> Call {
        Call {
            target: AddressKey::from(&Address::new("ns", "fn", "id")),
            endpoint: Arc::new(endpoint),
            request: Bytes::new(),
            invocations_at: 0,
            batch_size: 0,
            seqs: Vec::new(),
            started: Instant::now(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_transport_fails_its_attempts_until_the_budget_runs_out() {
        for in_future in [false, true] {
            let endpoint =
                Endpoint::new(Panicking { in_future }).call_budget(Duration::from_millis(10));
            let call = empty_call(endpoint);
            let timer = tokio::time::sleep(Duration::ZERO);
            tokio::pin!(timer);
            let error = call_with_retries(&call, timer.as_mut()).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::CallFailed);
            let cause = error.transport_error().unwrap();
            assert_eq!(cause.kind(), TransportErrorKind::Request);
            assert!(
                cause.to_string().contains("the transport panicked: boom"),
                "{cause}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn max_attempts_gives_up_with_budget_left() {
        let endpoint = Endpoint::new(Panicking { in_future: true }).max_attempts(1);
        let call = empty_call(endpoint);
        let timer = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(timer);
        let error = call_with_retries(&call, timer.as_mut()).await.unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("calling ns/fn/id failed 1 time(s)"),
            "{error}"
        );
    }
}
