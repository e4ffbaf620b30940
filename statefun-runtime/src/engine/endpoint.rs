use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::observe::AttemptFailures;
use crate::transport::{FunctionTransport, HttpTransport, ServiceTransport};

/// The default call budget: StateFun's async transport gives a call 2 minutes, all
/// attempts and backoffs included.
pub const DEFAULT_CALL_BUDGET: Duration = Duration::from_secs(120);

/// The default backlog per address at which ingestion waits (`maxNumBatchRequests`).
pub const DEFAULT_MAX_NUM_BATCH_REQUESTS: usize = 1000;

/// How the runtime reaches the functions of some types, and the limits it keeps with them.
///
/// ```
/// use std::time::Duration;
/// use statefun_runtime::Endpoint;
/// use statefun_runtime::transport::{HttpTransport, HttpTransportConfig, UrlTemplate};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let url = UrlTemplate::new("http://127.0.0.1:8000/{function.name}").unwrap();
/// let transport = HttpTransport::new(url, HttpTransportConfig::default()).unwrap();
/// let endpoint = Endpoint::new(transport)
///     .max_num_batch_requests(100)
///     .call_budget(Duration::from_secs(10));
/// assert_eq!(endpoint.max_backlog(), Some(100));
/// # });
/// ```
#[derive(Clone)]
pub struct Endpoint {
    pub(crate) transport: Transport,
    pub(crate) max_num_batch_requests: usize,
    pub(crate) call_budget: Duration,
    /// At most this many attempts per call; `u32::MAX` leaves it to the budget.
    pub(crate) max_attempts: u32,
    /// Shared by the clones of this endpoint, as the routes share it.
    pub(crate) attempt_failures: Arc<AttemptFailures>,
}

/// The engine calls its own HTTP transport directly: through `dyn FunctionTransport` every
/// call would box its future, a large one.
#[derive(Clone)]
pub(crate) enum Transport {
    Http(HttpTransport),
    Other(Arc<dyn FunctionTransport>),
}

impl Transport {
    fn new<T: FunctionTransport>(transport: T) -> Self {
        let mut transport = Some(transport);
        match (&mut transport as &mut dyn Any).downcast_mut::<Option<HttpTransport>>() {
            Some(http) => Self::Http(http.take().expect("just set")),
            None => Self::Other(Arc::new(transport.expect("not taken"))),
        }
    }
}

impl Endpoint {
    /// Calls functions through `transport`, with StateFun's default limits.
    pub fn new(transport: impl FunctionTransport) -> Self {
        Self {
            transport: Transport::new(transport),
            max_num_batch_requests: DEFAULT_MAX_NUM_BATCH_REQUESTS,
            call_budget: DEFAULT_CALL_BUDGET,
            max_attempts: u32::MAX,
            attempt_failures: Arc::default(),
        }
    }

    /// Calls functions in process through a [`tower::Service`]; see [`ServiceTransport`].
    pub fn service<S>(service: S) -> Self
    where
        ServiceTransport<S>: FunctionTransport,
    {
        Self::new(ServiceTransport::new(service))
    }

    /// The backlog per address at which ingestion waits; 0 never waits.
    pub fn max_num_batch_requests(mut self, limit: usize) -> Self {
        self.max_num_batch_requests = limit;
        self
    }

    /// The time one call may take, every retry and backoff included.
    pub fn call_budget(mut self, budget: Duration) -> Self {
        self.call_budget = budget;
        self
    }

    /// Gives up a call after `attempts` failed attempts (at least 1), even with budget
    /// left. StateFun has no such limit, so the default is none; a test of a function
    /// that fails deterministically sets 1, to see its failure once instead of once per
    /// retry.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How the transport is described to people: its kind and, over HTTP, the URL template.
    pub(crate) fn transport_description(&self) -> (&'static str, Option<String>) {
        match &self.transport {
            Transport::Http(http) => ("http", Some(http.template().to_string())),
            Transport::Other(_) => ("in-process", None),
        }
    }

    /// The backlog limit, if there is one.
    pub fn max_backlog(&self) -> Option<usize> {
        (self.max_num_batch_requests > 0).then_some(self.max_num_batch_requests)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("max_num_batch_requests", &self.max_num_batch_requests)
            .field("call_budget", &self.call_budget)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{HttpTransportConfig, UrlTemplate};

    #[test]
    fn the_http_transport_is_called_directly_and_others_through_the_trait() {
        let url = UrlTemplate::new("http://127.0.0.1:1/statefun").unwrap();
        let http = HttpTransport::new(url, HttpTransportConfig::default()).unwrap();
        assert!(matches!(Endpoint::new(http).transport, Transport::Http(_)));
        let service = tower::service_fn(
            |_: http::Request<http_body_util::Full<bytes::Bytes>>| async {
                http::Response::builder().body(http_body_util::Full::new(bytes::Bytes::new()))
            },
        );
        assert!(matches!(
            Endpoint::service(service).transport,
            Transport::Other(_)
        ));
    }
}
