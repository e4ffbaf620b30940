//! The timer behind the server's request-head read timeout: one tokio timer entry per
//! connection instead of one per request.
//!
//! hyper asks its timer for a new sleep each time it starts reading a request head and
//! drops it once the head is in. With tokio's timer every one of those sleeps is an
//! insertion into the timer wheel and a removal from it, most of what the read timeout
//! cost a one-invocation request (about 1,400 of 21,000 instructions). The sleeps of one
//! connection come one at a time and their deadlines only grow, so here they share one
//! entry, armed at the earliest deadline asked for. An entry that fires before the deadline
//! of the sleep polling it is re-armed at that deadline, at most once per timeout period;
//! otherwise a request costs a box and a look at the armed deadline.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

/// A [`Timer`] for the sleeps of one connection, which hyper creates and polls one at a
/// time from the connection's task.
#[derive(Clone, Debug, Default)]
pub(super) struct ConnectionTimer {
    entry: Arc<Mutex<Option<ArmedEntry>>>,
}

#[derive(Debug)]
struct ArmedEntry {
    sleep: Pin<Box<tokio::time::Sleep>>,
    deadline: Instant,
}

impl Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(SharedSleep {
            entry: Arc::clone(&self.entry),
            deadline,
        })
    }

    // The same clock as the tokio timer that wakes the sleeps, so that paused test time
    // moves both.
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

/// One sleep of a connection: ready at `deadline`, woken through the connection's entry.
struct SharedSleep {
    entry: Arc<Mutex<Option<ArmedEntry>>>,
    deadline: Instant,
}

impl Future for SharedSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        // Only the connection's task polls, so the lock is never contended.
        let mut entry = self
            .entry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let armed = entry.get_or_insert_with(|| ArmedEntry {
            sleep: Box::pin(tokio::time::sleep_until(deadline.into())),
            deadline,
        });
        if deadline < armed.deadline {
            armed.sleep.as_mut().reset(deadline.into());
            armed.deadline = deadline;
        }
        loop {
            if armed.sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if armed.deadline >= deadline {
                return Poll::Ready(());
            }
            // Fired at the deadline of an earlier head of this connection.
            armed.sleep.as_mut().reset(deadline.into());
            armed.deadline = deadline;
        }
    }
}

impl Sleep for SharedSleep {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polls `sleep` once, with a waker that does nothing.
    fn poll_once(sleep: &mut Pin<Box<dyn Sleep>>) -> Poll<()> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        sleep.as_mut().poll(&mut cx)
    }

    #[tokio::test(start_paused = true)]
    async fn a_sleep_is_ready_at_its_deadline_and_not_before() {
        let timer = ConnectionTimer::default();
        let mut sleep = timer.sleep(Duration::from_secs(30));
        assert!(poll_once(&mut sleep).is_pending());
        tokio::time::advance(Duration::from_secs(29)).await;
        assert!(poll_once(&mut sleep).is_pending());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(poll_once(&mut sleep).is_ready());
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_sleep_is_not_woken_by_the_deadline_of_an_earlier_one() {
        let timer = ConnectionTimer::default();
        let mut first = timer.sleep(Duration::from_secs(30));
        assert!(poll_once(&mut first).is_pending());
        drop(first);
        tokio::time::advance(Duration::from_secs(20)).await;
        // The second head starts at 20 s: its deadline is 50 s, past the armed 30 s.
        let mut second = timer.sleep(Duration::from_secs(30));
        assert!(poll_once(&mut second).is_pending());
        tokio::time::advance(Duration::from_secs(15)).await;
        assert!(poll_once(&mut second).is_pending(), "at 35 s");
        tokio::time::advance(Duration::from_secs(14)).await;
        assert!(poll_once(&mut second).is_pending(), "at 49 s");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(poll_once(&mut second).is_ready(), "at 50 s");
    }

    #[tokio::test(start_paused = true)]
    async fn an_earlier_deadline_re_arms_the_entry() {
        let timer = ConnectionTimer::default();
        let mut long = timer.sleep(Duration::from_secs(60));
        assert!(poll_once(&mut long).is_pending());
        drop(long);
        let mut short = timer.sleep(Duration::from_secs(5));
        assert!(poll_once(&mut short).is_pending());
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(poll_once(&mut short).is_ready());
    }

    #[tokio::test(start_paused = true)]
    async fn the_task_is_woken_at_the_deadline() {
        let timer = ConnectionTimer::default();
        let started = tokio::time::Instant::now();
        timer.sleep(Duration::from_secs(7)).await;
        assert_eq!(started.elapsed(), Duration::from_secs(7));
        // A second sleep after the first fired re-arms the fired entry.
        timer.sleep(Duration::from_secs(3)).await;
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }
}
