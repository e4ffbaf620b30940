use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

/// How long open connections get to finish once shutdown starts.
const DRAIN: Duration = Duration::from_secs(5);

/// What one client may hold of a playground server.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// A request head must arrive within this time of its first byte, or the connection
    /// closes; 30 s.
    pub header_read_timeout: Duration,
    /// A request body must arrive within this time of its head, or the ingress answers
    /// 408; 60 s.
    pub body_read_timeout: Duration,
    /// At most this many connections are served at once; further clients wait in the
    /// listen backlog; 1024.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// Serves HTTP/1.1 on `listener` with `handler` until `shutdown` turns true, then lets
/// open connections finish.
pub(crate) async fn serve<H, F>(
    listener: TcpListener,
    handler: H,
    mut shutdown: watch::Receiver<bool>,
    limits: Limits,
) where
    H: Fn(http::Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = http::Response<Full<Bytes>>> + Send + 'static,
{
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut backoff = AcceptBackoff::default();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => {
                permit.expect("the semaphore is never closed")
            }
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                backoff.succeeded();
                stream
            }
            // Out of file descriptors, most often: retrying at once would spin.
            Err(error) => {
                tokio::select! {
                    () = tokio::time::sleep(backoff.failed(&error)) => continue,
                    _ = shutdown.wait_for(|stop| *stop) => break,
                }
            }
        };
        let handler = handler.clone();
        let service = hyper::service::service_fn(move |request| {
            let response = handler(request);
            async move { Ok::<_, Infallible>(response.await) }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!("connection ended with an error: {error}");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN:?}; closing them");
    }
}

/// How long to wait after a failed accept: 10 ms, doubling while failures go on, up to 1 s;
/// and one warning a second at most, with the count of the failures not logged.
#[derive(Debug, Default)]
pub(crate) struct AcceptBackoff {
    delay: Option<Duration>,
    last_log: Option<Instant>,
    unlogged: u64,
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(1);
    const LOG_EVERY: Duration = Duration::from_secs(1);

    pub(crate) fn failed(&mut self, error: &io::Error) -> Duration {
        let delay = self
            .delay
            .map_or(Self::FIRST, |delay| (delay * 2).min(Self::MAX));
        self.delay = Some(delay);
        let now = Instant::now();
        if self
            .last_log
            .is_none_or(|last| now.duration_since(last) >= Self::LOG_EVERY)
        {
            tracing::warn!(
                "cannot accept a connection: {error}; retrying in {delay:?} ({} more failures since the last warning)",
                self.unlogged
            );
            self.last_log = Some(now);
            self.unlogged = 0;
        } else {
            self.unlogged += 1;
        }
        delay
    }

    pub(crate) fn succeeded(&mut self) {
        self.delay = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_failures_back_off_and_log_once_a_second() {
        let mut backoff = AcceptBackoff::default();
        let emfile = io::Error::from_raw_os_error(24);
        let delays: Vec<_> = (0..9).map(|_| backoff.failed(&emfile)).collect();
        assert_eq!(delays[..3], [10, 20, 40].map(Duration::from_millis));
        assert_eq!(delays[8], Duration::from_secs(1));
        assert_eq!(backoff.unlogged, 8);
        backoff.succeeded();
        assert_eq!(backoff.failed(&emfile), Duration::from_millis(10));
    }
}
