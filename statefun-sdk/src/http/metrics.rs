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
//! let metrics = ServerMetrics::new();
//! assert!(metrics.encode().contains("statefun_function_requests"));
//! ```

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
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
            "Requests the function server answered, by HTTP status.",
            requests.clone(),
        );
        registry.register(
            "statefun_function_invocations",
            "Invocations in the batches received, by function type.",
            invocations.clone(),
        );
        registry.register(
            "statefun_function_request_duration_seconds",
            "Time to answer a batch, by function type.",
            latency.clone(),
        );
        registry.register(
            "statefun_function_failures",
            "Batches answered with an error, by function type and kind.",
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
        B: Body,
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
        let limit = service.max_body();
        // A Content-Length over the limit: the service answers 413 without reading.
        if request.body().size_hint().lower() > limit as u64 {
            let response = service.serve(request).await;
            self.count(response.status(), None, 0, start);
            return response;
        }
        let (head, body) = request.into_parts();
        let body = match Limited::new(body, limit).collect().await {
            Ok(body) => body.to_bytes(),
            Err(error) => {
                let (status, message) = if error.is::<LengthLimitError>() {
                    (
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("the request body exceeds the limit of {limit} bytes"),
                    )
                } else {
                    (
                        StatusCode::BAD_REQUEST,
                        format!("could not read the request body: {error}"),
                    )
                };
                let mut response = Response::new(Full::new(Bytes::from(message)));
                *response.status_mut() = status;
                response.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                self.count(status, None, 0, start);
                return response;
            }
        };
        let batch = BatchHead::decode(body.clone()).ok();
        let response = service
            .serve(Request::from_parts(head, Full::new(body)))
            .await;
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
