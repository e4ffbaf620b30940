use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use bytes::Bytes;
use bytes::{Buf as _, BufMut as _, BytesMut};
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt as _, Full};
use statefun_protocol::CONTENT_TYPE as OCTET_STREAM;

use crate::{HandlerErrorKind, RequestReplyHandler};

/// The default limit of a request body: 32 MiB, the StateFun runtime's own default
/// payload limit.
pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// A [`RequestReplyHandler`] as a [`tower::Service`](tower_service::Service) of HTTP
/// requests with any body type. See the [module docs](crate::http) for the status codes.
///
/// ```
/// use bytes::Bytes;
/// use http_body_util::{BodyExt, Full};
/// use statefun_sdk::http::StatefunService;
/// use statefun_sdk::RequestReplyHandler;
/// use tower_service::Service;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let handler = RequestReplyHandler::builder().build().unwrap();
/// let mut service = StatefunService::new(handler).body_limit(1024);
///
/// let request = http::Request::get("/statefun").body(Full::new(Bytes::new())).unwrap();
/// let response = service.call(request).await.unwrap();
/// assert_eq!(response.status(), 405);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct StatefunService {
    handler: RequestReplyHandler,
    body_limit: usize,
}

impl StatefunService {
    /// Serves `handler`, with the default body limit.
    pub fn new(handler: RequestReplyHandler) -> Self {
        StatefunService {
            handler,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// Answers 413 to request bodies larger than `bytes`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The request body limit.
    pub fn max_body(&self) -> usize {
        self.body_limit
    }

    /// The handler served.
    pub fn handler(&self) -> &RequestReplyHandler {
        &self.handler
    }
}

impl RequestReplyHandler {
    /// This handler as a [`StatefunService`].
    pub fn into_service(self) -> StatefunService {
        StatefunService::new(self)
    }
}

fn text(status: StatusCode, message: impl Into<String>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(message.into())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn success(body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(OCTET_STREAM));
    response
}

/// Absent, or `application/octet-stream` (any case, parameters allowed).
fn acceptable_content_type(value: Option<&HeaderValue>) -> bool {
    let Some(value) = value else {
        return true;
    };
    // What the runtime sends, checked before any parsing.
    if value.as_bytes() == OCTET_STREAM.as_bytes() {
        return true;
    }
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case(OCTET_STREAM)
}

/// The request body did not arrive in time (the built-in server's body read timeout).
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
#[cfg_attr(not(feature = "server"), allow(dead_code))]
pub(crate) struct BodyReadTimeout(pub(crate) std::time::Duration);

enum ReadError {
    TooLarge,
    Body(crate::types::BoxError),
}

/// The whole body, at most `limit` bytes. A body that arrives as one chunk (the usual case:
/// hyper hands over what it read with the head) is kept as it is, without a copy or a
/// list of chunks; only a body in several chunks is gathered into one buffer.
async fn read_body<B>(body: B, limit: usize) -> Result<Bytes, ReadError>
where
    B: Body,
    B::Error: Into<crate::types::BoxError>,
{
    let mut body = pin!(body);
    let mut first: Option<Bytes> = None;
    let mut gathered: Option<BytesMut> = None;
    let mut len = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| ReadError::Body(error.into()))?;
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers mean nothing to the protocol
        };
        len = len.saturating_add(data.remaining());
        if len > limit {
            return Err(ReadError::TooLarge);
        }
        match (&mut first, &mut gathered) {
            (None, None) => first = Some(data.copy_to_bytes(data.remaining())),
            (Some(_), None) => {
                let mut buffer = BytesMut::with_capacity(len);
                buffer.extend_from_slice(&first.take().unwrap_or_default());
                buffer.put(data);
                gathered = Some(buffer);
            }
            (_, Some(buffer)) => buffer.put(data),
        }
    }
    Ok(match gathered {
        Some(buffer) => buffer.freeze(),
        None => first.unwrap_or_default(),
    })
}

impl StatefunService {
    pub(crate) async fn serve<B>(self, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: Body,
        B::Error: Into<crate::types::BoxError>,
    {
        if request.method() != Method::POST {
            let mut response = text(
                StatusCode::METHOD_NOT_ALLOWED,
                format!(
                    "method {} is not allowed: StateFun functions are called with POST",
                    request.method()
                ),
            );
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        if !acceptable_content_type(request.headers().get(CONTENT_TYPE)) {
            let given = request
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(not text)");
            return text(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("content type `{given}` is not supported: send `{OCTET_STREAM}`"),
            );
        }
        let too_large = || {
            text(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the request body exceeds the limit of {} bytes",
                    self.body_limit
                ),
            )
        };
        // The body's size hint is its Content-Length, already parsed by the server.
        if request.body().size_hint().lower() > self.body_limit as u64 {
            return too_large();
        }
        let body = match read_body(request.into_body(), self.body_limit).await {
            Ok(body) => body,
            Err(ReadError::TooLarge) => return too_large(),
            Err(ReadError::Body(error)) if error.is::<BodyReadTimeout>() => {
                return text(StatusCode::REQUEST_TIMEOUT, error.to_string());
            }
            Err(ReadError::Body(error)) => {
                return text(
                    StatusCode::BAD_REQUEST,
                    format!("could not read the request body: {error}"),
                );
            }
        };
        match self.handler.handle(body).await {
            Ok(answer) => success(answer),
            Err(error) => {
                let status = match error.kind() {
                    HandlerErrorKind::InvalidRequest => StatusCode::BAD_REQUEST,
                    HandlerErrorKind::UnknownFunction => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                text(status, error.to_string())
            }
        }
    }
}

impl<B> tower_service::Service<Request<B>> for StatefunService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<crate::types::BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { Ok(service.serve(request).await) })
    }
}

#[cfg(test)]
mod tests {
    use http_body::Frame;
    use http_body_util::StreamBody;

    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> impl Body<Data = Bytes, Error = Infallible> {
        let frames: Vec<Result<_, Infallible>> = parts
            .iter()
            .map(|part| Ok(Frame::data(Bytes::from_static(part))))
            .collect();
        StreamBody::new(futures_util::stream::iter(frames))
    }

    fn now<F: Future>(future: F) -> F::Output {
        let mut context = Context::from_waker(std::task::Waker::noop());
        match pin!(future).poll(&mut context) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("a ready body"),
        }
    }

    #[test]
    fn reads_bodies_in_one_or_more_chunks_within_the_limit() {
        let one = Bytes::from_static(b"abc");
        let read = now(read_body(Full::new(one.clone()), 3)).ok().unwrap();
        assert_eq!(read.as_ptr(), one.as_ptr(), "one chunk is kept, not copied");
        let read = now(read_body(chunks(&[b"ab", b"", b"cd", b"e"]), 5))
            .ok()
            .unwrap();
        assert_eq!(read, "abcde");
        assert!(matches!(
            now(read_body(chunks(&[b"ab", b"cd"]), 3)),
            Err(ReadError::TooLarge)
        ));
        assert_eq!(now(read_body(chunks(&[]), 0)).ok().unwrap(), "");
    }

    #[test]
    fn content_types() {
        let ok = |v: &'static str| acceptable_content_type(Some(&HeaderValue::from_static(v)));
        assert!(acceptable_content_type(None));
        assert!(ok("application/octet-stream"));
        assert!(ok("Application/Octet-Stream; charset=binary"));
        assert!(!ok("application/json"));
        assert!(!ok("text/plain"));
    }
}
