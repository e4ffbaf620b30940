//! The admin router on the playground servers' HTTP/1.1 loop, so that the admin port has
//! the same bounds as the ingress and egress: a deadline for each request head and at most
//! so many connections at once.

use std::convert::Infallible;

use axum::Router;
use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt as _;

use crate::playground::{self, Limits};

/// Serves `router` on `listener` within `limits` until `shutdown` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: watch::Receiver<bool>,
    limits: Limits,
) {
    let handler = move |request: http::Request<Incoming>| {
        let router = router.clone();
        async move {
            let Ok::<_, Infallible>(response) = router.oneshot(request).await;
            // Every admin answer is a small document made in memory: collecting it costs
            // nothing a stream would save.
            let (parts, body) = response.into_parts();
            match body.collect().await {
                Ok(body) => http::Response::from_parts(parts, Full::new(body.to_bytes())),
                Err(error) => {
                    tracing::warn!("cannot write an admin answer: {error}");
                    let mut response = http::Response::new(Full::new(Bytes::new()));
                    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                    response
                }
            }
        }
    };
    playground::serve(listener, handler, shutdown, limits).await;
}
