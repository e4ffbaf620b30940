use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::{BoxError, TransportError};

/// How much of an error answer's body goes into the failure message.
const EXCERPT_BYTES: usize = 512;

/// Checks an HTTP answer as StateFun's async transport does and returns its body: the status
/// must be 2xx, `Content-Type` must list `application/octet-stream` (parameters such as
/// `; charset=…` do not count), and the body may hold at most `limit` bytes.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use http_body_util::Full;
/// use statefun_runtime::transport::{read_response, TransportErrorKind};
///
/// let ok = http::Response::builder()
///     .header("content-type", "application/octet-stream")
///     .body(Full::new(bytes::Bytes::from_static(b"\xA2\x06\x00")))
///     .unwrap();
/// assert_eq!(read_response(ok, 1024).await.unwrap().as_ref(), b"\xA2\x06\x00");
///
/// let text = http::Response::builder()
///     .header("content-type", "text/plain")
///     .body(Full::new(bytes::Bytes::new()))
///     .unwrap();
/// assert_eq!(read_response(text, 1024).await.unwrap_err().kind(), TransportErrorKind::ContentType);
/// # });
/// ```
pub async fn read_response<B>(
    response: http::Response<B>,
    limit: usize,
) -> Result<Bytes, TransportError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let (parts, body) = response.into_parts();
    if !parts.status.is_success() {
        let excerpt = match Limited::new(body, EXCERPT_BYTES).collect().await {
            Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
            Err(_) => String::new(),
        };
        return Err(TransportError::status(parts.status, excerpt.trim()));
    }
    if !lists_octet_stream(&parts.headers) {
        let found = parts
            .headers
            .get(CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        return Err(TransportError::content_type(found));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(TransportError::too_large(limit)),
        Err(error) => Err(TransportError::body(error)),
    }
}

fn lists_octet_stream(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(CONTENT_TYPE)
        .iter()
        .any(|value| super::http1::lists_octet_stream(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TransportErrorKind;
    use http_body_util::Full;

    fn response(
        status: u16,
        content_type: Option<&str>,
        body: &'static [u8],
    ) -> http::Response<Full<Bytes>> {
        let mut builder = http::Response::builder().status(status);
        if let Some(content_type) = content_type {
            builder = builder.header(CONTENT_TYPE, content_type);
        }
        builder.body(Full::new(Bytes::from_static(body))).unwrap()
    }

    #[tokio::test]
    async fn content_type_may_be_a_list_in_any_case_but_without_parameters() {
        for accepted in [
            "application/octet-stream",
            "text/plain, Application/Octet-Stream",
        ] {
            assert!(
                read_response(response(200, Some(accepted), b"x"), 10)
                    .await
                    .is_ok(),
                "{accepted}"
            );
        }
        for rejected in [
            Some("application/octet-stream; charset=utf-8"),
            Some("text/plain"),
            None,
        ] {
            let error = read_response(response(200, rejected, b"x"), 10)
                .await
                .unwrap_err();
            assert_eq!(
                error.kind(),
                TransportErrorKind::ContentType,
                "{rejected:?}"
            );
        }
    }

    #[tokio::test]
    async fn non_2xx_is_a_status_failure_quoting_the_body() {
        let error = read_response(response(503, Some("text/plain"), b" overloaded\n"), 10)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Status);
        assert!(
            error
                .to_string()
                .ends_with("503 Service Unavailable: overloaded"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn oversize_body_is_rejected() {
        let error = read_response(response(200, Some("application/octet-stream"), b"12345"), 4)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Body);
        assert!(error.to_string().contains("larger than 4 bytes"), "{error}");
    }
}
