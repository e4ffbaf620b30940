//! `POST /api/send/{namespace}/{type}/{id}`: sends a message as the playground ingress
//! takes it, the typename in `Content-Type: application/vnd.<typename>` (a string
//! otherwise) and the value as the body.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header::CONTENT_TYPE};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use statefun_protocol::{Address, TypedValue, typename};

use super::Admin;
use super::error::ApiError;
use crate::ErrorKind;

/// The largest message body accepted.
pub(crate) const MAX_BODY: usize = 4 * 1024 * 1024;
/// How long a send may wait for back-pressure to ease; past it nothing was sent.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const TYPENAME_PREFIX: &str = "application/vnd.";

pub(super) fn routes() -> Router<Admin> {
    Router::new()
        .route("/api/send/{namespace}/{type}/{*id}", post(send))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

async fn send(
    State(admin): State<Admin>,
    Path((namespace, r#type, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = body.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            format!(
                "cannot read the body (at most {MAX_BODY} bytes): {}",
                rejection.body_text()
            ),
        )
    })?;
    let typename = message_typename(&headers)?;
    let address = Address::new(namespace, r#type, id);
    let sending = admin
        .runtime
        .send(address.clone(), TypedValue::new(typename.clone(), body));
    match tokio::time::timeout(SEND_TIMEOUT, sending).await {
        Ok(Ok(())) => Ok(Json(
            json!({ "sent": address.to_string(), "typename": typename }),
        )),
        Ok(Err(error)) if error.kind() == ErrorKind::UnknownFunctionType => {
            Err(ApiError::not_found(error.to_string()))
        }
        Ok(Err(error)) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            error.to_string(),
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not sent: the runtime stayed back-pressured for {SEND_TIMEOUT:?}"),
        )),
    }
}

/// The typename a `Content-Type` names, which must be `namespace/name`.
fn message_typename(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(content_type) = headers.get(CONTENT_TYPE) else {
        return Ok(typename::STRING.to_owned());
    };
    let content_type = content_type
        .to_str()
        .map_err(|_| ApiError::bad_request("Content-Type is not visible ASCII"))?;
    let Some(name) = content_type.strip_prefix(TYPENAME_PREFIX) else {
        return Ok(typename::STRING.to_owned());
    };
    match name.split_once('/') {
        Some((namespace, rest)) if !namespace.is_empty() && !rest.is_empty() => Ok(name.to_owned()),
        _ => Err(ApiError::bad_request(format!(
            "typename `{name}` in Content-Type is not `namespace/name`"
        ))),
    }
}
