//! Idle keep-alive connections to one origin, as hyper's legacy pool keeps them: the most
//! recently used is reused first, one idle longer than the TTL is closed, at most
//! `max_idle` wait, and new connections are opened on demand without limit.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use tokio::time::Instant;

use super::connection::Connection;
use crate::transport::url::Origin;

/// The reaper wakes no more often than this, whatever the TTL (as hyper's pool).
const MIN_REAP_INTERVAL: Duration = Duration::from_millis(90);

pub(super) struct Pool {
    pub origin: Origin,
    ttl: Duration,
    max_idle: usize,
    idle: Mutex<Idle>,
}

#[derive(Default)]
pub(super) struct Idle {
    /// Oldest first.
    pub connections: Vec<(Connection, Instant)>,
    /// Whether a task closes expired connections.
    reaping: bool,
}

impl Pool {
    pub fn new(origin: Origin, ttl: Duration, max_idle: usize) -> Self {
        Self {
            origin,
            ttl,
            max_idle,
            idle: Mutex::default(),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Idle> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn expired(&self, since: Instant, now: Instant) -> bool {
        now.saturating_duration_since(since) > self.ttl
    }

    /// The most recently used idle connection that is still usable.
    pub fn checkout(&self) -> Option<Connection> {
        let now = Instant::now();
        let mut idle = self.lock();
        while let Some((connection, since)) = idle.connections.pop() {
            if self.expired(since, now) {
                // Everything below it has been idle longer still.
                idle.connections.clear();
                return None;
            }
            if connection.is_usable_idle() {
                return Some(connection);
            }
        }
        None
    }

    /// Keeps `connection` for a later request, unless enough are idle already.
    pub fn checkin(self: &Arc<Self>, connection: Connection) {
        let mut idle = self.lock();
        if idle.connections.len() >= self.max_idle {
            return;
        }
        idle.connections.push((connection, Instant::now()));
        if !idle.reaping && !self.ttl.is_zero() {
            idle.reaping = true;
            tokio::spawn(reap(Arc::downgrade(self)));
        }
    }
}

/// Closes connections idle longer than the TTL or closed by the server, until none is
/// idle or the pool is gone.
async fn reap(pool: Weak<Pool>) {
    loop {
        let Some(every) = pool.upgrade().map(|pool| pool.ttl.max(MIN_REAP_INTERVAL)) else {
            return;
        };
        tokio::time::sleep(every).await;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        let now = Instant::now();
        let mut idle = pool.lock();
        idle.connections.retain(|(connection, since)| {
            !pool.expired(*since, now) && connection.is_usable_idle()
        });
        if idle.connections.is_empty() {
            idle.reaping = false;
            return;
        }
    }
}
