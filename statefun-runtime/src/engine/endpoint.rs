use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::transport::{FunctionTransport, ServiceTransport};

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
    pub(crate) transport: Arc<dyn FunctionTransport>,
    pub(crate) max_num_batch_requests: usize,
    pub(crate) call_budget: Duration,
}

impl Endpoint {
    /// Calls functions through `transport`, with StateFun's default limits.
    pub fn new(transport: impl FunctionTransport) -> Self {
        Self {
            transport: Arc::new(transport),
            max_num_batch_requests: DEFAULT_MAX_NUM_BATCH_REQUESTS,
            call_budget: DEFAULT_CALL_BUDGET,
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
            .finish_non_exhaustive()
    }
}
