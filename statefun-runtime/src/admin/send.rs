//! `POST /api/send/{namespace}/{type}/{id}`: sends a message as the playground ingress
//! takes it, the typename in `Content-Type: application/vnd.<typename>` (a string
//! otherwise) and the value as the body.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header::CONTENT_TYPE};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use serde_json::{Value, json};
use statefun_protocol::{Address, TypedValue, typename};

use super::Admin;
use super::error::ApiError;
use crate::ErrorKind;
use crate::playground::Limits;

/// The largest message body accepted.
pub(crate) const MAX_BODY: usize = 4 * 1024 * 1024;
const TYPENAME_PREFIX: &str = "application/vnd.";

/// How long a send may take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SendLimits {
    /// The body must arrive within this time of the request head, or the answer is 408;
    /// 60 s, as at the playground ingress.
    pub body_read_timeout: Duration,
    /// How long a send may wait for back-pressure to ease; past it nothing was sent and the
    /// answer is 503; 10 s.
    pub send_timeout: Duration,
}

impl Default for SendLimits {
    fn default() -> Self {
        Self {
            body_read_timeout: Limits::default().body_read_timeout,
            send_timeout: Duration::from_secs(10),
        }
    }
}

pub(super) fn routes() -> Router<Admin> {
    Router::new().route("/api/send/{namespace}/{type}/{*id}", post(send))
}

async fn send(
    State(admin): State<Admin>,
    Path((namespace, r#type, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let typename = message_typename(&headers)?;
    let body = read_body(body, admin.send.body_read_timeout).await?;
    let address = Address::new(namespace, r#type, id);
    let sending = admin
        .runtime
        .send(address.clone(), TypedValue::new(typename.clone(), body));
    let send_timeout = admin.send.send_timeout;
    match tokio::time::timeout(send_timeout, sending).await {
        Ok(Ok(())) => Ok(Json(
            json!({ "sent": address.to_string(), "typename": typename }),
        )),
        Ok(Err(error)) if error.kind() == ErrorKind::UnknownFunctionType => {
            Err(ApiError::not_found(error.to_string()))
        }
        Ok(Err(error)) => {
            let refused = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, error.to_string());
            Err(match error.retry_after() {
                Some(after) => refused.retry_after(after),
                None => refused,
            })
        }
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not sent: the runtime stayed back-pressured for {send_timeout:?}"),
        )),
    }
}

/// The message body: at most [`MAX_BODY`] bytes, arriving within `timeout`.
///
/// A body over the limit is refused once the limit is read, not on its `Content-Length`:
/// a client that is not reading while it writes (most do not) would otherwise see its
/// connection reset mid-body instead of the answer, and reading the limit is a bounded cost.
async fn read_body(body: Body, timeout: Duration) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the message body is too large: at most {MAX_BODY} bytes are taken"),
        )
    };
    match tokio::time::timeout(timeout, Limited::new(body, MAX_BODY).collect()).await {
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("the message body did not arrive within {timeout:?}"),
        )),
        Ok(Err(error)) if error.is::<LengthLimitError>() => Err(too_large()),
        Ok(Err(error)) => Err(ApiError::bad_request(format!(
            "cannot read the message body: {error}"
        ))),
        Ok(Ok(body)) => Ok(body.to_bytes()),
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
