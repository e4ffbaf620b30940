//! Prometheus metrics of the built-in server (feature `metrics`): requests by status,
//! invocations and request latency by function type, failures by kind, served as
//! OpenMetrics text on `GET /metrics` of the functions' own port.
//!
//! Off unless [`Server::metrics`](super::server::Server::metrics) turns it on: with it,
//! each request's head is read once more (the target and the number of invocations,
//! without copying the rest) and a few atomic counters are updated.
//!
//! ```
//! use statefun_sdk::http::metrics::ServerMetrics;
//!
//! // Served with `Server::new(handler).metrics(metrics.clone())`; nothing counted yet.
//! let metrics = ServerMetrics::new();
//! assert!(metrics.encode().ends_with("# EOF\n"));
//! ```

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use prost::Message;

use super::StatefunService;

/// The path the metrics are served on.
pub const METRICS_PATH: &str = "/metrics";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabel {
    function_type: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabel {
    function_type: String,
    kind: &'static str,
}

/// The metrics of one server; clones share them.
#[derive(Debug, Clone)]
pub struct ServerMetrics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: Registry,
    requests: Family<StatusLabel, Counter>,
    invocations: Family<TypeLabel, Counter>,
    latency: Family<TypeLabel, Histogram>,
    failures: Family<FailureLabel, Counter>,
}

impl Default for ServerMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerMetrics {
    /// Empty metrics.
    pub fn new() -> Self {
        let requests = Family::<StatusLabel, Counter>::default();
        let invocations = Family::<TypeLabel, Counter>::default();
        // 0.1 ms to about 13 s.
        let latency = Family::<TypeLabel, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.000_1, 2.0, 18))) as fn() -> Histogram,
        );
        let failures = Family::<FailureLabel, Counter>::default();
        let mut registry = Registry::default();
        registry.register(
            "statefun_function_requests",
            "Requests the function server answered, by HTTP status",
            requests.clone(),
        );
        registry.register(
            "statefun_function_invocations",
            "Invocations in the batches received, by function type",
            invocations.clone(),
        );
        registry.register(
            "statefun_function_request_duration_seconds",
            "Time to answer a batch, by function type",
            latency.clone(),
        );
        registry.register(
            "statefun_function_failures",
            "Batches answered with an error, by function type and kind",
            failures.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry,
                requests,
                invocations,
                latency,
                failures,
            }),
        }
    }

    /// The metrics as OpenMetrics text.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.inner.registry)
            .expect("writing to a String does not fail");
        text
    }

    /// Answers `GET /metrics`, and passes every other request to `service`, counting it.
    pub(crate) async fn serve<B>(
        &self,
        request: Request<B>,
        service: StatefunService,
    ) -> Response<Full<Bytes>>
    where
        B: Body<Data = Bytes> + Unpin,
        B::Error: Into<crate::types::BoxError>,
    {
        if request.method() == Method::GET && request.uri().path() == METRICS_PATH {
            let mut response = Response::new(Full::new(Bytes::from(self.encode())));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(OPENMETRICS));
            return response;
        }
        let start = Instant::now();
        // The service reads the body as ever (its limits, timeouts and answers unchanged);
        // the tap keeps what it read, as shared slices of the same buffers.
        let seen = Arc::new(Mutex::new(Vec::new()));
        let tapped = request.map(|body| Tap {
            inner: body,
            seen: Arc::clone(&seen),
        });
        let response = service.serve(tapped).await;
        let chunks = std::mem::take(&mut *seen.lock().unwrap_or_else(PoisonError::into_inner));
        let body = match chunks.len() {
            0 => Bytes::new(),
            1 => chunks.into_iter().next().expect("one chunk"),
            _ => Bytes::from(chunks.concat()),
        };
        let batch = BatchHead::decode(body).ok();
        let (function_type, invocations) = batch
            .and_then(|head| head.invocation)
            .map(|batch| {
                let function_type = batch
                    .target
                    .map(|target| format!("{}/{}", target.namespace, target.r#type));
                (function_type, batch.invocations.len())
            })
            .unwrap_or((None, 0));
        self.count(response.status(), function_type, invocations, start);
        response
    }

    fn count(
        &self,
        status: StatusCode,
        function_type: Option<String>,
        invocations: usize,
        start: Instant,
    ) {
        let inner = &self.inner;
        inner
            .requests
            .get_or_create(&StatusLabel {
                status: status.as_u16(),
            })
            .inc();
        let function_type = function_type.unwrap_or_else(|| "unknown".to_owned());
        if status.is_success() {
            let label = TypeLabel { function_type };
            inner
                .invocations
                .get_or_create(&label)
                .inc_by(invocations as u64);
            inner
                .latency
                .get_or_create(&label)
                .observe(start.elapsed().as_secs_f64());
            return;
        }
        let kind = match status {
            StatusCode::BAD_REQUEST => "invalid_request",
            StatusCode::SERVICE_UNAVAILABLE => "unknown_function",
            StatusCode::INTERNAL_SERVER_ERROR => "function_failed",
            StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "content_type",
            StatusCode::METHOD_NOT_ALLOWED => "method",
            _ => "other",
        };
        inner
            .failures
            .get_or_create(&FailureLabel {
                function_type,
                kind,
            })
            .inc();
    }
}

/// The part of a `ToFunction` the metrics need: the target and the invocations, the
/// latter as slices of the body (no copy); the states are skipped.
#[derive(Clone, PartialEq, Message)]
struct BatchHead {
    #[prost(message, optional, tag = "100")]
    invocation: Option<BatchTarget>,
}

#[derive(Clone, PartialEq, Message)]
struct BatchTarget {
    #[prost(message, optional, tag = "1")]
    target: Option<statefun_protocol::Address>,
    #[prost(bytes = "bytes", repeated, tag = "3")]
    invocations: Vec<Bytes>,
}

/// A request body that keeps a clone (a reference, not a copy) of every data frame read.
struct Tap<B> {
    inner: B,
    seen: Arc<Mutex<Vec<Bytes>>>,
}

impl<B: Body<Data = Bytes> + Unpin> Body for Tap<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(data.clone());
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
