use std::time::Duration;

use http::StatusCode;

/// Any error a service or HTTP stack may return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why one attempt to call a function failed. The engine retries every kind within the
/// call budget, as StateFun's default (async) transport does.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct TransportError(Box<Repr>);

/// The category of a [`TransportError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection to the function could be made.
    Connect,
    /// The request was sent (or being sent) but the exchange broke, e.g. a dropped connection.
    Request,
    /// The attempt ran out of time.
    Timeout,
    /// The function answered with a status other than 2xx.
    Status,
    /// The function answered without `Content-Type: application/octet-stream`.
    ContentType,
    /// The response body could not be read, or was larger than allowed.
    Body,
    /// The response body is not a `FromFunction`.
    Decode,
}

#[derive(Debug, thiserror::Error)]
enum Repr {
    #[error("cannot connect{}: {source}", url.as_deref().map(|url| format!(" to {url}")).unwrap_or_default())]
    Connect {
        url: Option<String>,
        #[source]
        source: BoxError,
    },
    #[error("the request failed: {0}")]
    Request(#[source] BoxError),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the function refused the batch as too large (HTTP 413){}: its body limit is below this endpoint's `payload_max_bytes`; raise the function's limit or lower `payload_max_bytes`", excerpt(.body))]
    TooLargeForFunction { body: String },
    #[error("the function answered HTTP {status}{}", excerpt(.body))]
    Status { status: StatusCode, body: String },
    #[error("the function answered with content type {}, expected `{}`", found.as_deref().map_or("none".to_owned(), |found| format!("`{found}`")), statefun_protocol::CONTENT_TYPE)]
    ContentType { found: Option<String> },
    #[error("cannot read the response body: {0}")]
    Body(#[source] BoxError),
    #[error("the response body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the response body is not a FromFunction: {0}")]
    Decode(#[source] prost::DecodeError),
}

fn excerpt(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

impl TransportError {
    /// No connection could be made.
    pub fn connect(source: impl Into<BoxError>) -> Self {
        Self(Box::new(Repr::Connect {
            url: None,
            source: source.into(),
        }))
    }

    /// Names the URL tried in a connection failure (only one without a URL yet).
    pub(crate) fn tried(mut self, url: impl FnOnce() -> Option<String>) -> Self {
        if let Repr::Connect {
            url: tried @ None, ..
        } = &mut *self.0
        {
            *tried = url();
        }
        self
    }

    /// The exchange broke after the connection was made.
    pub fn request(source: impl Into<BoxError>) -> Self {
        Self(Box::new(Repr::Request(source.into())))
    }

    /// No answer within `after`.
    pub fn timeout(after: Duration) -> Self {
        Self(Box::new(Repr::Timeout(after)))
    }

    /// A non-2xx answer; `body` is an excerpt of what the function said, if anything.
    pub fn status(status: StatusCode, body: impl Into<String>) -> Self {
        let body = body.into();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return Self(Box::new(Repr::TooLargeForFunction { body }));
        }
        Self(Box::new(Repr::Status { status, body }))
    }

    /// An answer whose content type is `found` instead of `application/octet-stream`.
    pub fn content_type(found: Option<String>) -> Self {
        Self(Box::new(Repr::ContentType { found }))
    }

    /// The body could not be read.
    pub fn body(source: impl Into<BoxError>) -> Self {
        Self(Box::new(Repr::Body(source.into())))
    }

    /// The body was larger than `limit` bytes.
    pub fn too_large(limit: usize) -> Self {
        Self(Box::new(Repr::TooLarge { limit }))
    }

    /// The body did not decode as a `FromFunction`.
    pub fn decode(source: prost::DecodeError) -> Self {
        Self(Box::new(Repr::Decode(source)))
    }

    /// The category of this failure.
    pub fn kind(&self) -> TransportErrorKind {
        match *self.0 {
            Repr::Connect { .. } => TransportErrorKind::Connect,
            Repr::Request(_) => TransportErrorKind::Request,
            Repr::Timeout(_) => TransportErrorKind::Timeout,
            Repr::Status { .. } | Repr::TooLargeForFunction { .. } => TransportErrorKind::Status,
            Repr::ContentType { .. } => TransportErrorKind::ContentType,
            Repr::Body(_) | Repr::TooLarge { .. } => TransportErrorKind::Body,
            Repr::Decode(_) => TransportErrorKind::Decode,
        }
    }

    /// The HTTP status of a [`Status`](TransportErrorKind::Status) failure.
    pub fn http_status(&self) -> Option<StatusCode> {
        match *self.0 {
            Repr::Status { status, .. } => Some(status),
            Repr::TooLargeForFunction { .. } => Some(StatusCode::PAYLOAD_TOO_LARGE),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_cause() {
        let status = TransportError::status(StatusCode::BAD_GATEWAY, "boom");
        assert_eq!(
            status.to_string(),
            "the function answered HTTP 502 Bad Gateway: boom"
        );
        assert_eq!(status.http_status(), Some(StatusCode::BAD_GATEWAY));
        let content_type = TransportError::content_type(Some("text/plain".into()));
        assert_eq!(
            content_type.to_string(),
            "the function answered with content type `text/plain`, expected `application/octet-stream`"
        );
        assert_eq!(content_type.kind(), TransportErrorKind::ContentType);
        assert!(
            TransportError::content_type(None)
                .to_string()
                .contains("content type none")
        );
    }

    #[test]
    fn a_function_413_says_the_batch_was_too_large_for_it() {
        let error = TransportError::status(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body exceeds the limit of 33554432 bytes",
        );
        assert_eq!(error.kind(), TransportErrorKind::Status);
        assert_eq!(error.http_status(), Some(StatusCode::PAYLOAD_TOO_LARGE));
        let message = error.to_string();
        assert!(
            message.contains("refused the batch as too large (HTTP 413)")
                && message.contains("33554432 bytes")
                && message.contains("payload_max_bytes"),
            "{message}"
        );
    }

    #[test]
    fn a_connection_failure_names_the_url_tried() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let error =
            TransportError::connect(refused).tried(|| Some("http://127.0.0.1:1/statefun".into()));
        assert!(
            error
                .to_string()
                .starts_with("cannot connect to http://127.0.0.1:1/statefun: "),
            "{error}"
        );
    }
}
