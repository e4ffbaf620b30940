//! Mutating calls from other web pages are refused: a page on any site could otherwise
//! POST a message to the runtime on the developer's loopback (a "simple" cross-origin
//! request needs no preflight). A browser names the page's origin in `Origin`; a call
//! whose origin is not this server (the `Host` it was sent to) gets a 403. Clients that
//! are not browsers send no `Origin` and are let through.

use axum::extract::Request;
use axum::http::header::{HOST, ORIGIN};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

pub(super) async fn same_origin(request: Request, next: Next) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return next.run(request).await;
    }
    let headers = request.headers();
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        let host = headers
            .get(HOST)
            .and_then(|host| host.to_str().ok())
            .unwrap_or_default();
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        if host.is_empty() || authority != Some(host) {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                format!("a call from the page at `{origin}` is refused: only the dashboard's own pages may change anything"),
            )
            .into_response();
        }
    }
    next.run(request).await
}
