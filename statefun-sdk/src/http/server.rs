//! A ready-made HTTP/1.1 server for your functions, on hyper and tokio.
//!
//! # Serving model
//!
//! The server runs on whatever Tokio runtime calls it. Each connection is a task, and a
//! batch is handled on the task of its connection: decoding, your functions' code (between
//! its awaits) and encoding run on one worker thread, one batch at a time per connection.
//! The runtime keeps several connections open to a busy endpoint, so batches for different
//! addresses run concurrently, as far as the Tokio runtime has threads:
//!
//! - with a **current-thread** runtime (`#[tokio::main(flavor = "current_thread")]`) every
//!   batch shares one thread. It is the cheapest per request, but a huge batch (thousands
//!   of invocations, or a function computing for long without awaiting) makes every other
//!   request wait until it is done;
//! - with the **multi-thread** runtime (`#[tokio::main]`, one worker per core by default)
//!   small requests are served by other workers while one works on a huge batch.
//!
//! Choose the multi-thread runtime unless you measured otherwise, and size it with
//! `worker_threads`:
//!
//! ```no_run
//! # #[cfg(feature = "server")]
//! # fn run(handler: statefun_sdk::RequestReplyHandler) -> std::io::Result<()> {
//! use statefun_sdk::http::{server::Server, shutdown_signal};
//!
//! tokio::runtime::Builder::new_multi_thread()
//!     .worker_threads(4)
//!     .enable_all()
//!     .build()?
//!     .block_on(async {
//!         let signal = shutdown_signal();
//!         let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//!         Server::new(handler).serve_with_shutdown(listener, signal).await
//!     })
//! # }
//! ```
//!
//! Blocking work inside a function (a synchronous database driver, heavy computation)
//! belongs in `tokio::task::spawn_blocking`, so that it holds no worker.
//!
//! # Limits
//!
//! | limit | default | set with |
//! |---|---|---|
//! | waiting for a request head (line and headers), from the accept or the last answer | 30 s (at most 25 % more), then the connection is closed | [`Server::header_read_timeout`] |
//! | request body read | 60 s from the first wait for it, then 408 and the connection is closed | [`Server::body_read_timeout`] |
//! | request body size | 32 MiB, then 413 | [`StatefunService::body_limit`] with [`Server::from_service`] |
//! | open connections | unlimited; at the limit, new connections wait in the listen backlog | [`Server::max_connections`] |
//! | shutdown drain | 30 s, then the connections still open are dropped | [`Server::shutdown_timeout`] |
//!
//! When accepting fails (out of file descriptors, most often), the server waits before it
//! tries again, from 10 ms doubling up to 1 s, and logs at most one warning a second.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

use super::StatefunService;
use super::head_deadline::{Ended, HeadDeadline, Requests};
use super::service::BodyReadTimeout;
use crate::RequestReplyHandler;

pub use super::shutdown::shutdown_signal;

/// The default [`Server::header_read_timeout`]: 30 s.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The default [`Server::body_read_timeout`]: 60 s.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The default [`Server::shutdown_timeout`]: 30 s, what Kubernetes waits after SIGTERM.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves a [`RequestReplyHandler`] over HTTP/1.1 on every path of a listener, with
/// keep-alive connections and `TCP_NODELAY`, until a shutdown signal; then it stops
/// accepting connections and lets the requests in flight finish, for at most the
/// [shutdown timeout](Server::shutdown_timeout). See the [module docs](self) for the
/// serving model and the limits.
///
/// ```no_run
/// use statefun_sdk::http::server::Server;
/// use statefun_sdk::RequestReplyHandler;
///
/// # async fn run(handler: RequestReplyHandler) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
/// Server::new(handler)
///     .serve_with_shutdown(listener, async {
///         let _ = tokio::signal::ctrl_c().await;
///     })
///     .await
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Server {
    service: StatefunService,
    shutdown_timeout: Duration,
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    max_connections: Option<usize>,
    #[cfg(feature = "metrics")]
    metrics: Option<super::metrics::ServerMetrics>,
}

impl Server {
    /// A server for `handler`.
    pub fn new(handler: RequestReplyHandler) -> Self {
        Server::from_service(StatefunService::new(handler))
    }

    /// A server for an already configured service (e.g. with another body limit).
    pub fn from_service(service: StatefunService) -> Self {
        Server {
            service,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_connections: None,
            #[cfg(feature = "metrics")]
            metrics: None,
        }
    }

    /// Closes a connection that has waited `timeout` for a request head: a defence
    /// against clients that hold connections open by sending slowly, or not at all. The
    /// wait starts when the connection is accepted and after each answer, and the
    /// connection is closed between `timeout` and 1.25 × `timeout` later. An idle
    /// kept-alive connection is closed the same way. 30 s by default.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Answers 408 and closes the connection when a request body has not fully arrived
    /// within `timeout` of the first time the server had to wait for it. 60 s by default
    /// (32 MiB at about 0.5 MB/s).
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// Counts requests, invocations, latency and failures, and serves them as Prometheus
    /// metrics on `GET /metrics` of the same port (feature `metrics`).
    #[cfg(feature = "metrics")]
    pub fn metrics(mut self, metrics: super::metrics::ServerMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Serves at most `limit` connections at once; further clients wait in the listen
    /// backlog until one closes. Unlimited by default.
    ///
    /// # Panics
    /// When `limit` is 0.
    pub fn max_connections(mut self, limit: usize) -> Self {
        assert!(limit > 0, "a server needs at least one connection");
        self.max_connections = Some(limit);
        self
    }

    /// How long to wait for requests in flight after the shutdown signal before dropping
    /// their connections; 30 s by default. `Duration::MAX` waits as long as they take.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Serves until the process ends.
    pub async fn serve(self, listener: TcpListener) -> io::Result<()> {
        self.serve_with_shutdown(listener, std::future::pending())
            .await
    }

    /// Serves until `signal` completes, then drains the connections.
    pub async fn serve_with_shutdown(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()> + Send,
    ) -> io::Result<()> {
        // Plain HTTP/1.1: the runtime never speaks HTTP/2 to remote functions, and the
        // automatic protocol detection wraps every read of a connection.
        let mut builder = http1::Builder::new();
        // Head and body in one buffer and one write(2): for the small answers of most
        // batches the kernel's vectored-write path costs more than copying the body once
        // (measured: -7% server CPU per request with one invocation, the same with 100).
        // No timer for hyper: its header read timeout costs a timer and a clock reading
        // per request; `HeadDeadline` keeps the same bound with one timer per connection.
        builder.keep_alive(true).writev(false);
        let header_read_timeout = self.header_read_timeout;
        let permits = self
            .max_connections
            .map(|limit| Arc::new(Semaphore::new(limit)));
        let body_read_timeout = self.body_read_timeout;
        let mut backoff = AcceptBackoff::default();
        match listener.local_addr() {
            Ok(address) => tracing::info!(%address, "serving StateFun functions"),
            Err(error) => {
                tracing::warn!(%error, "serving StateFun functions at an unknown address")
            }
        }
        let graceful = GracefulShutdown::new();
        tokio::pin!(signal);
        loop {
            let permit = match &permits {
                None => None,
                Some(permits) => tokio::select! {
                    permit = Arc::clone(permits).acquire_owned() => {
                        Some(permit.expect("the semaphore is never closed"))
                    }
                    () = &mut signal => break,
                },
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => {
                        backoff.succeeded();
                        accepted
                    }
                    // A connection that failed before it was accepted (reset by the peer,
                    // or no file descriptor left) must not stop the server, nor make it
                    // spin: wait, longer while it goes on failing.
                    Err(error) => {
                        tokio::select! {
                            () = tokio::time::sleep(backoff.failed(&error)) => continue,
                            () = &mut signal => break,
                        }
                    }
                },
                () = &mut signal => break,
            };
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, %peer, "could not set TCP_NODELAY");
            }
            let service = self.service.clone();
            #[cfg(feature = "metrics")]
            let metrics = self.metrics.clone();
            let requests = Requests::default();
            let in_service = requests.clone();
            // hyper names the future type through service_fn's generics: no box per request,
            // unlike a Service impl (or tower's) whose future must be a nameable type.
            let service = service_fn(move |request: Request<Incoming>| {
                let in_service = in_service.start();
                let service = service.clone();
                let request = request.map(|body| TimedBody::new(body, body_read_timeout));
                #[cfg(feature = "metrics")]
                let metrics = metrics.clone();
                async move {
                    let _in_service = in_service;
                    #[cfg(feature = "metrics")]
                    if let Some(metrics) = metrics {
                        return Ok(metrics.serve(request, service).await);
                    }
                    Ok::<_, Infallible>(service.serve(request).await)
                }
            });
            let connection = builder
                .clone()
                .serve_connection(TokioIo::new(stream), service);
            let connection =
                HeadDeadline::new(graceful.watch(connection), requests, header_read_timeout);
            tokio::spawn(async move {
                match connection.await {
                    Ended::Connection(Ok(())) => {}
                    Ended::Connection(Err(error)) => {
                        tracing::debug!(%error, %peer, "connection ended with an error");
                    }
                    Ended::HeadTimeout => tracing::debug!(
                        %peer,
                        timeout = ?header_read_timeout,
                        "closing a connection that sent no whole request head within the header read timeout"
                    ),
                }
                drop(permit);
            });
        }
        drop(listener);
        tracing::info!("shutting down: waiting for requests in flight");
        let timeout = self.shutdown_timeout;
        if tokio::time::timeout(timeout, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(
                ?timeout,
                "requests still in flight at the shutdown timeout: dropping their connections"
            );
        }
        Ok(())
    }
}

/// How long to wait after a failed accept: 10 ms, doubling while failures go on, up to 1 s;
/// and one warning a second at most, with the count of the failures not logged.
#[derive(Debug, Default)]
struct AcceptBackoff {
    delay: Option<Duration>,
    last_log: Option<Instant>,
    unlogged: u64,
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(1);
    const LOG_EVERY: Duration = Duration::from_secs(1);

    fn failed(&mut self, error: &io::Error) -> Duration {
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
                %error,
                retry_in = ?delay,
                failures_not_logged = self.unlogged,
                "accepting a connection failed"
            );
            self.last_log = Some(now);
            self.unlogged = 0;
        } else {
            self.unlogged += 1;
        }
        delay
    }

    fn succeeded(&mut self) {
        self.delay = None;
    }
}

/// A request body that fails with [`BodyReadTimeout`] when it has not ended within
/// `timeout` of its first `Pending`. A body that is ready when asked (the usual case: it
/// came with the head) never arms a timer.
struct TimedBody {
    inner: Incoming,
    timeout: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl TimedBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        TimedBody {
            inner,
            timeout,
            deadline: None,
        }
    }
}

impl Body for TimedBody {
    type Data = Bytes;
    type Error = crate::types::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let timeout = this.timeout;
        let deadline = this
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        ready!(deadline.as_mut().poll(cx));
        Poll::Ready(Some(Err(Box::new(BodyReadTimeout(timeout)))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wait_is_bounded_by_default() {
        let handler = RequestReplyHandler::builder().build().unwrap();
        let server = Server::new(handler);
        assert_eq!(server.shutdown_timeout, DEFAULT_SHUTDOWN_TIMEOUT);
        assert_eq!(server.header_read_timeout, DEFAULT_HEADER_READ_TIMEOUT);
        assert_eq!(server.body_read_timeout, DEFAULT_BODY_READ_TIMEOUT);
        assert!(DEFAULT_SHUTDOWN_TIMEOUT < Duration::from_secs(60));
    }

    #[test]
    fn accept_backoff_doubles_up_to_a_second_and_resets() {
        let mut backoff = AcceptBackoff::default();
        let error = io::Error::from_raw_os_error(24); // EMFILE
        let delays: Vec<_> = (0..9).map(|_| backoff.failed(&error)).collect();
        assert_eq!(delays[0], Duration::from_millis(10));
        assert_eq!(delays[1], Duration::from_millis(20));
        assert_eq!(delays[8], Duration::from_secs(1));
        assert_eq!(
            backoff.unlogged, 8,
            "one warning for nine failures in a moment"
        );
        backoff.succeeded();
        assert_eq!(backoff.failed(&error), Duration::from_millis(10));
    }
}
