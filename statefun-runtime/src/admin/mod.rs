//! The admin server: a JSON API over what the runtime holds, a dashboard for people and
//! Prometheus metrics, on one axum [`Router`].
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the dashboard |
//! | `GET /api/functions` | function types seen, their endpoints and counters |
//! | `GET /api/addresses?type=ns/name&prefix=&after=&limit=` | addresses holding something, paged |
//! | `GET /api/addresses/{namespace}/{type}/{id}` | an address's state, backlog, timers |
//! | `GET /api/deliveries?address=ns/type/id&limit=` | the most recent deliveries |
//! | `GET /api/egress`, `GET /api/egress/{topic}?limit=` | playground topics, peeked |
//! | `POST /api/send/{namespace}/{type}/{id}` | send a message, as the playground ingress |
//! | `GET /metrics` | Prometheus metrics |
//! | `GET /api/parked`, `POST /api/parked/{namespace}/{type}/{id}/retry` or `/skip` | parked addresses |
//!
//! Only `POST` changes anything, and not when a browser says the call comes from another
//! site's page (`Origin`); every input has a bound, and a bad one gets a 4xx with a
//! JSON `{"error": "…"}` naming it.
//!
//! ```
//! use statefun_runtime::{Endpoint, Runtime, admin};
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let function = tower::service_fn(|_: http::Request<http_body_util::Full<bytes::Bytes>>| async {
//!     http::Response::builder().body(http_body_util::Full::new(bytes::Bytes::new()))
//! });
//! let runtime = Runtime::builder()
//!     .endpoint("example/*".parse().unwrap(), Endpoint::service(function))
//!     .build();
//! let router = admin::router(runtime, None);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let server = tokio::spawn(admin::serve(listener, router, std::future::pending()));
//! server.abort();
//! # });
//! ```

mod addresses;
mod dashboard;
mod deliveries;
mod egress;
mod error;
mod functions;
mod metrics;
mod origin;
mod parked;
mod send;
mod server;
#[cfg(test)]
mod tests;
mod value;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Runtime;
use crate::playground::{Limits, PlaygroundEgress};
use send::SendLimits;

pub use error::ApiError;

/// Where the admin server listens unless told otherwise: loopback, on Flink's web UI port.
pub const DEFAULT_ADMIN_ADDRESS: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8081));

/// What every handler reads.
#[derive(Clone)]
pub(crate) struct Admin {
    runtime: Runtime,
    egress: Option<PlaygroundEgress>,
    send: SendLimits,
}

/// The admin API, dashboard and metrics of `runtime`; `egress` is the playground egress
/// whose topics it shows, if there is one.
pub fn router(runtime: Runtime, egress: Option<PlaygroundEgress>) -> Router {
    router_with(runtime, egress, SendLimits::default())
}

fn router_with(runtime: Runtime, egress: Option<PlaygroundEgress>, send: SendLimits) -> Router {
    Router::new()
        .merge(dashboard::routes())
        .merge(functions::routes())
        .merge(addresses::routes())
        .merge(deliveries::routes())
        .merge(egress::routes())
        .merge(send::routes())
        .merge(metrics::routes())
        .with_state(Admin {
            runtime: runtime.clone(),
            egress,
            send,
        })
        .merge(parked::routes(runtime))
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn(origin::same_origin))
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open requests finish
/// (for 5 seconds at most).
///
/// As the playground ingress and egress: a request head must arrive within 30 s of its
/// first byte, at most 1024 connections are served at once (further clients wait in the
/// listen backlog), and a message body sent to `POST /api/send` must arrive within 60 s.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = watch::channel(false);
    let serving = server::serve(listener, router, stopped, Limits::default());
    tokio::pin!(serving);
    tokio::select! {
        () = &mut serving => return Ok(()),
        () = shutdown => {
            let _ = stop.send(true);
        }
    }
    serving.await;
    Ok(())
}
