//! Mount the functions in an [axum](https://docs.rs/axum) application, beside your own routes.
//!
//! A [`StatefunService`] is a tower service axum routes to as it is:
//! `Router::route_service` serves it at one path. This module adds `into_router` to
//! [`RequestReplyHandler`] and [`StatefunService`]: a `Router` serving the functions at its
//! root, to [`nest`](Router::nest) at any path or [`merge`](Router::merge),
//! also into a router with state.
//!
//! Requests of every method reach the service, so the [status codes](super#status-codes)
//! hold when mounted: a `GET` gets the SDK's 405, a wrong content type its 415. axum's
//! `DefaultBodyLimit` applies to extractors only; the service enforces its own
//! [`body_limit`](StatefunService::body_limit).
//!
//! ```no_run
//! use axum::Router;
//! use axum::routing::get;
//! use statefun_sdk::RequestReplyHandler;
//!
//! # async fn serve(handler: RequestReplyHandler) -> std::io::Result<()> {
//! let app = Router::new()
//!     .route("/health", get(|| async { "ok" }))
//!     .route_service("/statefun", handler.into_service());
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use ::axum::Router;

use super::StatefunService;
use crate::RequestReplyHandler;

impl StatefunService {
    /// An axum `Router` that serves this service at its root path (`feature = "axum"`).
    ///
    /// Nested at `/statefun`, it answers the runtime at `/statefun`:
    ///
    /// ```
    /// use axum::Router;
    /// use axum::body::Body;
    /// use axum::routing::get;
    /// use statefun_sdk::RequestReplyHandler;
    /// use tower_service::Service;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handler = RequestReplyHandler::builder().build().unwrap();
    /// let mut app: Router = Router::new()
    ///     .route("/health", get(|| async { "ok" }))
    ///     .nest("/statefun", handler.into_service().body_limit(1 << 20).into_router());
    ///
    /// let request = http::Request::get("/statefun").body(Body::empty()).unwrap();
    /// let response = app.call(request).await.unwrap();
    /// assert_eq!(response.status(), 405); // the SDK's answer: functions are called with POST
    /// # }
    /// ```
    pub fn into_router<S>(self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        Router::new().route_service("/", self)
    }
}

impl RequestReplyHandler {
    /// An axum `Router` that serves these functions at its root path, with the default body
    /// limit (`feature = "axum"`). See [`StatefunService::into_router`].
    ///
    /// ```
    /// use axum::Router;
    /// use statefun_sdk::RequestReplyHandler;
    ///
    /// #[derive(Clone)]
    /// struct AppState;
    ///
    /// let handler = RequestReplyHandler::builder().build().unwrap();
    /// let app: Router = Router::new()
    ///     .nest("/statefun", handler.into_router())
    ///     .with_state(AppState);
    /// # let _ = app;
    /// ```
    pub fn into_router<S>(self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        self.into_service().into_router()
    }
}
