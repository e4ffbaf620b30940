//! A ready-made HTTP/1.1 server for your functions, on hyper and tokio.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::time::Duration;

use http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use super::StatefunService;
use crate::RequestReplyHandler;

pub use super::shutdown::shutdown_signal;

/// Serves a [`RequestReplyHandler`] over HTTP/1.1 on every path of a listener, with
/// keep-alive connections and `TCP_NODELAY`, until a shutdown signal; then it stops
/// accepting connections and lets the requests in flight finish.
///
/// ```no_run
/// use statefun_sdk::http::server::Server;
/// use statefun_sdk::RequestReplyHandler;
///
/// # async fn run(handler: RequestReplyHandler) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8000").await?;
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
    shutdown_timeout: Option<Duration>,
    header_read_timeout: Option<Duration>,
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
            shutdown_timeout: None,
            header_read_timeout: None,
            #[cfg(feature = "metrics")]
            metrics: None,
        }
    }

    /// Closes a connection whose request head has not fully arrived within `timeout` of
    /// its first byte (a defence against clients that hold connections open by sending
    /// slowly). Off by default: StateFun's runtime is the only client, and the timer costs
    /// every request a little.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = Some(timeout);
        self
    }

    /// Counts requests, invocations, latency and failures, and serves them as Prometheus
    /// metrics on `GET /metrics` of the same port (feature `metrics`).
    #[cfg(feature = "metrics")]
    pub fn metrics(mut self, metrics: super::metrics::ServerMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// How long to wait for requests in flight after the shutdown signal; unlimited by
    /// default.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
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
        builder.keep_alive(true).writev(false);
        if let Some(timeout) = self.header_read_timeout {
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(timeout);
        }
        let graceful = GracefulShutdown::new();
        tokio::pin!(signal);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    // A connection that failed before it was accepted (e.g. reset by the
                    // peer, or too many open files for a moment) must not stop the server.
                    Err(error) => {
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
                () = &mut signal => break,
            };
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, %peer, "could not set TCP_NODELAY");
            }
            let service = self.service.clone();
            #[cfg(feature = "metrics")]
            if let Some(metrics) = self.metrics.clone() {
                let service = service_fn(move |request: Request<Incoming>| {
                    let (metrics, service) = (metrics.clone(), service.clone());
                    async move { Ok::<_, Infallible>(metrics.serve(request, service).await) }
                });
                let connection =
                    graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, %peer, "connection ended with an error");
                    }
                });
                continue;
            }
            // hyper names the future type through service_fn's generics: no box per request,
            // unlike a Service impl (or tower's) whose future must be a nameable type.
            let service = service_fn(move |request: Request<Incoming>| {
                let service = service.clone();
                async move { Ok::<_, Infallible>(service.serve(request).await) }
            });
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%error, %peer, "connection ended with an error");
                }
            });
        }
        drop(listener);
        tracing::info!("shutting down: waiting for requests in flight");
        match self.shutdown_timeout {
            None => graceful.shutdown().await,
            Some(timeout) => {
                if tokio::time::timeout(timeout, graceful.shutdown())
                    .await
                    .is_err()
                {
                    tracing::warn!(?timeout, "requests still in flight at the shutdown timeout");
                }
            }
        }
        Ok(())
    }
}
