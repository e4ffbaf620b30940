use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http_body::Body;
use http_body_util::Full;
use statefun_protocol::{Address, CONTENT_TYPE as OCTET_STREAM};
use tower::{Service, ServiceExt};

use super::{BoxError, CallFuture, FunctionTransport, TransportError, read_response};
use crate::DEFAULT_PAYLOAD_MAX_BYTES;

/// Calls a function in the same process through any [`tower::Service`] that takes an HTTP
/// request and answers an HTTP response, e.g. an SDK's request handler, with no socket in
/// between. The service sees the same `POST` a function's HTTP server would and its answer
/// is checked by the same rules (2xx, `application/octet-stream`).
///
/// ```
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use statefun_runtime::transport::ServiceTransport;
///
/// let service = tower::service_fn(|_request: http::Request<Full<Bytes>>| async {
///     http::Response::builder()
///         .header("content-type", "application/octet-stream")
///         .body(Full::new(Bytes::from_static(b"\xA2\x06\x00")))
/// });
/// let transport = ServiceTransport::new(service);
/// # let _ = transport;
/// ```
#[derive(Debug, Clone)]
pub struct ServiceTransport<S> {
    service: S,
    payload_max_bytes: usize,
}

impl<S> ServiceTransport<S> {
    /// Calls `service` for every request.
    pub fn new(service: S) -> Self {
        Self {
            service,
            payload_max_bytes: DEFAULT_PAYLOAD_MAX_BYTES,
        }
    }

    /// The largest response body accepted, 32 MiB unless set.
    pub fn payload_max_bytes(mut self, limit: usize) -> Self {
        self.payload_max_bytes = limit;
        self
    }
}

impl<S, B> FunctionTransport for ServiceTransport<S>
where
    S: Service<http::Request<Full<Bytes>>, Response = http::Response<B>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    fn call(&self, _target: &Address, request: Bytes) -> CallFuture {
        let service = self.service.clone();
        let limit = self.payload_max_bytes;
        Box::pin(async move {
            let request = http::Request::post("/")
                .header(CONTENT_TYPE, OCTET_STREAM)
                .header(ACCEPT, OCTET_STREAM)
                .header(USER_AGENT, "statefun")
                .body(Full::new(request))
                .expect("a POST to `/` with static headers is a valid request");
            let response = service
                .oneshot(request)
                .await
                .map_err(TransportError::request)?;
            read_response(response, limit).await
        })
    }
}
