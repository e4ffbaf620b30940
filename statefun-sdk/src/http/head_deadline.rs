//! The server's request-head read timeout, kept per connection with no work per request.
//!
//! hyper's own header read timeout makes a timer for every request head and reads the
//! clock for it, and asks for one more read of the socket after each head to start it:
//! 400 to 1,000 instructions of the 20,000 a one-invocation request costs, even with one
//! timer entry shared by a connection's heads (measured side by side). Here a
//! connection has one timer for its whole life, which fires every quarter of the timeout
//! and looks at a counter the requests bump as they start and end: a connection that had
//! no request in service and none started through four quarters in a row has waited at
//! least the timeout for a head, and is closed. A request costs two increments.
//!
//! The bound is coarser than a deadline per head: a connection that waits for a head is
//! closed between the timeout and 1.25 times it after its last answer (or after it was
//! accepted), whether it sent part of a head or nothing. An idle kept-alive connection is
//! closed the same way, as hyper closes it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// The periods the timeout is cut into: the longest a head may wait past the timeout is
/// one of them.
const PERIODS: u32 = 4;
/// The shortest period, so that a tiny timeout does not spin.
const MIN_PERIOD: Duration = Duration::from_millis(1);
/// Where a timeout too long to add to the clock puts the timer.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// The requests of one connection: bumped as each starts and as each ends, so that the
/// count is odd while one is in service and changes whenever one starts.
#[derive(Debug, Clone, Default)]
pub(super) struct Requests(Arc<AtomicU64>);

impl Requests {
    /// Counts a request as started; it ends when the guard is dropped (answered or
    /// abandoned).
    pub fn start(&self) -> InService {
        // The connection's task is the only one to bump and to read the count.
        self.0.fetch_add(1, Ordering::Relaxed);
        InService(self.clone())
    }

    fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A request in service, until dropped.
#[derive(Debug)]
pub(super) struct InService(Requests);

impl Drop for InService {
    fn drop(&mut self) {
        (self.0).0.fetch_add(1, Ordering::Relaxed);
    }
}

/// How a connection watched by [`HeadDeadline`] ended.
#[derive(Debug)]
pub(super) enum Ended<T> {
    /// The connection ended by itself, with this output.
    Connection(T),
    /// It waited for a request head for the whole timeout and was dropped.
    HeadTimeout,
}

/// `connection`, dropped once it has waited the header read timeout for a request head.
pub(super) struct HeadDeadline<F> {
    connection: Pin<Box<F>>,
    requests: Requests,
    period: Duration,
    timer: Pin<Box<Sleep>>,
    /// The waker the timer was last polled with: the timer wakes the task through it.
    registered: Option<Waker>,
    /// The request count when the timer last fired.
    seen: u64,
    /// Periods in a row with no request in service and none started.
    quiet: u32,
}

impl<F: Future> HeadDeadline<F> {
    /// Watches `connection`, whose requests are counted by `requests`, closing it when it
    /// waits `timeout` for a head.
    pub fn new(connection: F, requests: Requests, timeout: Duration) -> Self {
        let period = (timeout / PERIODS).max(MIN_PERIOD);
        HeadDeadline {
            connection: Box::pin(connection),
            seen: requests.count(),
            requests,
            period,
            timer: Box::pin(tokio::time::sleep(period)),
            registered: None,
            quiet: 0,
        }
    }

    /// Polls the timer, taking each period it reports over; `Ready` once the connection
    /// has been quiet for the whole timeout.
    #[cold]
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while self.timer.as_mut().poll(cx).is_ready() {
            let count = self.requests.count();
            if count % 2 == 1 || count != self.seen {
                self.seen = count;
                self.quiet = 0;
            } else {
                self.quiet += 1;
                if self.quiet >= PERIODS {
                    return Poll::Ready(());
                }
            }
            // From now, not from the last deadline: a task that was held up must not see
            // the periods it missed pass in an instant.
            let now = Instant::now();
            let next = now
                .checked_add(self.period)
                .unwrap_or_else(|| now + FAR_FUTURE);
            self.timer.as_mut().reset(next);
        }
        self.registered = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<F: Future> Future for HeadDeadline<F> {
    type Output = Ended<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(output) = this.connection.as_mut().poll(cx) {
            return Poll::Ready(Ended::Connection(output));
        }
        // The usual case: the timer has not fired and will wake this task when it does.
        let waits = !this.timer.is_elapsed()
            && this
                .registered
                .as_ref()
                .is_some_and(|waker| waker.will_wake(cx.waker()));
        if waits {
            return Poll::Pending;
        }
        match this.poll_timer(cx) {
            Poll::Ready(()) => Poll::Ready(Ended::HeadTimeout),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(40);

    /// How long a connection that never ends by itself lives, when `during` runs beside it.
    async fn lifetime(requests: Requests, during: impl Future<Output = ()>) -> Duration {
        let started = Instant::now();
        let watched = HeadDeadline::new(std::future::pending::<()>(), requests, TIMEOUT);
        let (ended, ()) = tokio::join!(watched, during);
        assert!(matches!(ended, Ended::HeadTimeout), "{ended:?}");
        started.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_without_requests_is_closed_after_the_timeout() {
        let lived = lifetime(Requests::default(), async {}).await;
        assert!(lived >= TIMEOUT, "{lived:?}");
        assert!(lived <= TIMEOUT + TIMEOUT / PERIODS, "{lived:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_service_keeps_it_open_however_long_it_takes() {
        let requests = Requests::default();
        let serve = requests.clone();
        let lived = lifetime(requests, async move {
            let in_service = serve.start();
            tokio::time::sleep(TIMEOUT * 10).await;
            drop(in_service);
        })
        .await;
        // The head wait began with the answer, at ten timeouts.
        assert!(lived >= TIMEOUT * 11, "{lived:?}");
        assert!(lived <= TIMEOUT * 11 + TIMEOUT / PERIODS, "{lived:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn each_head_gets_the_whole_timeout_after_the_answer_before_it() {
        let requests = Requests::default();
        let serve = requests.clone();
        let lived = lifetime(requests, async move {
            // Requests that come just before the timeout, answered at once.
            for _ in 0..5 {
                tokio::time::sleep(TIMEOUT - Duration::from_secs(1)).await;
                drop(serve.start());
            }
        })
        .await;
        let last_answer = (TIMEOUT - Duration::from_secs(1)) * 5;
        assert!(lived >= last_answer + TIMEOUT, "{lived:?}");
        assert!(
            lived <= last_answer + TIMEOUT + TIMEOUT / PERIODS,
            "{lived:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_ends_by_itself_gives_its_output() {
        let watched = HeadDeadline::new(async { 7 }, Requests::default(), TIMEOUT);
        assert!(matches!(watched.await, Ended::Connection(7)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_tiny_timeout_still_waits_a_period() {
        let started = Instant::now();
        let watched = HeadDeadline::new(
            std::future::pending::<()>(),
            Requests::default(),
            Duration::ZERO,
        );
        assert!(matches!(watched.await, Ended::HeadTimeout));
        assert_eq!(started.elapsed(), MIN_PERIOD * PERIODS);
    }

    #[tokio::test(start_paused = true)]
    async fn a_timeout_too_long_for_the_clock_never_fires() {
        let watched = HeadDeadline::new(
            std::future::pending::<()>(),
            Requests::default(),
            Duration::MAX,
        );
        let outcome = tokio::time::timeout(FAR_FUTURE / 2, watched).await;
        assert!(outcome.is_err(), "closed a connection within 15 years");
    }
}
