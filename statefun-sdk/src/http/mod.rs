//! HTTP for a [`RequestReplyHandler`](crate::RequestReplyHandler).
//!
//! [`StatefunService`] is a [`tower::Service`](tower_service::Service) over
//! `http::Request<B>` for any body type `B`: mount it in any tower-based stack. The
//! adapters build on it:
//!
//! | feature | what |
//! |---|---|
//! | (always) | [`StatefunService`] |
//! | `axum` | `axum`: mount the functions in your own axum `Router`, with `route_service` or `into_router` |
//! | `server` | `server::Server`: a hyper-util HTTP server with graceful shutdown |
//! | `server` or `axum` | `shutdown_signal`: Ctrl-C or SIGTERM, for either server |
//! | `metrics` | `metrics::ServerMetrics`: Prometheus metrics on the built-in server's port, with `Server::metrics` |
//! | `lambda` | `lambda::run`: serve on AWS Lambda behind API Gateway or a function URL, through `lambda_http` |
//!
//! # Status codes
//!
//! | answer | when |
//! |---|---|
//! | 200, `Content-Type: application/octet-stream` | a `FromFunction`: results, or the states the runtime must register first |
//! | 400 | the body is not a `ToFunction` with an invocation batch |
//! | 405 | the method is not `POST` |
//! | 408 | the built-in server's body read timeout passed before the body arrived |
//! | 413 | the body exceeds the limit (32 MiB by default) |
//! | 415 | a `Content-Type` other than `application/octet-stream` |
//! | 500 | the function returned an error or panicked |
//! | 503 | no function of the requested type is served here |
//!
//! Error answers are `text/plain` messages naming what was wrong. 503 for an unknown
//! function type is deliberate: the runtime retries 5xx answers, and during a rolling
//! upgrade another replica may already serve that type. StateFun's runtime retries any
//! 5xx until its call budget runs out, so a 500 retries a failed batch too.

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "server")]
mod head_deadline;
#[cfg(feature = "lambda")]
pub mod lambda;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(feature = "server")]
pub mod server;
mod service;
#[cfg(any(feature = "server", feature = "axum"))]
mod shutdown;

pub use service::{DEFAULT_BODY_LIMIT, StatefunService};
#[cfg(any(feature = "server", feature = "axum"))]
pub use shutdown::shutdown_signal;
