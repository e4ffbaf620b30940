//! A runtime set up for tests: functions in process or over HTTP, captured egresses,
//! recorded deliveries, and virtual time.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use statefun_protocol::{Address, TypedValue};

use crate::config::ConfigError;
use crate::egress::{CapturedEgress, EgressSink};
use crate::engine::{DeliveredBatch, Endpoint, Runtime, RuntimeBuilder};
use crate::transport::{
    FunctionTransport, HttpTransport, HttpTransportConfig, ServiceTransport, UrlTemplate,
};
use crate::{Error, FailurePolicy, FunctionSelector};

/// Builds a [`Harness`]. Selectors and URLs are checked by [`build`](Self::build), which
/// reports the first bad one.
#[derive(Default)]
pub struct HarnessBuilder {
    runtime: RuntimeBuilder,
    captured: HashMap<String, CapturedEgress>,
    problem: Option<ConfigError>,
}

impl HarnessBuilder {
    /// Serves the function types `selector` (`ns/name` or `ns/*`) picks through `endpoint`.
    pub fn endpoint(mut self, selector: &str, endpoint: Endpoint) -> Self {
        match selector.parse::<FunctionSelector>() {
            Ok(selector) => self.runtime = self.runtime.endpoint(selector, endpoint),
            Err(error) => self.note(ConfigError::invalid(error.to_string())),
        }
        self
    }

    /// Serves `selector` in process through `service`, e.g. an SDK's request handler.
    pub fn service<S>(self, selector: &str, service: S) -> Self
    where
        ServiceTransport<S>: FunctionTransport,
    {
        self.endpoint(selector, Endpoint::service(service))
    }

    /// Calls the StateFun 2.x functions of `selector` in process through `service`, with
    /// the states their module declares; see [`crate::v2`].
    pub fn service_v2<S>(
        self,
        selector: &str,
        service: S,
        states: Vec<crate::v2::StateDecl>,
    ) -> Self
    where
        ServiceTransport<S>: FunctionTransport,
    {
        self.endpoint(
            selector,
            crate::v2::endpoint(ServiceTransport::new(service), states),
        )
    }

    /// Serves `selector` over HTTP at `url` (a `urlPathTemplate`), with default settings.
    pub fn url(mut self, selector: &str, url: &str) -> Self {
        let transport = UrlTemplate::new(url)
            .map_err(|error| ConfigError::invalid(error.to_string()))
            .and_then(|template| {
                HttpTransport::new(template, HttpTransportConfig::default())
                    .map_err(|error| ConfigError::invalid(error.to_string()))
            });
        match transport {
            Ok(transport) => self.endpoint(selector, Endpoint::new(transport)),
            Err(error) => {
                self.note(error);
                self
            }
        }
    }

    /// Declares the egress `id` (`namespace/type`) and keeps its records for
    /// [`Harness::egress`].
    pub fn egress(mut self, id: &str) -> Self {
        let captured = CapturedEgress::default();
        self.runtime = self.runtime.egress(id, captured.clone());
        self.captured.insert(id.to_owned(), captured);
        self
    }

    /// Parks failing addresses instead of failing fast, e.g. to test how functions recover
    /// (see [`FailurePolicy`]). By default the harness stops at the first failure, which
    /// [`Harness::run_until_quiescent`] returns.
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.runtime = self.runtime.on_failure(policy);
        self
    }

    /// Declares the egress `id` with a sink of your own.
    pub fn egress_sink(mut self, id: &str, sink: impl EgressSink) -> Self {
        self.runtime = self.runtime.egress(id, sink);
        self
    }

    /// Starts the runtime; call it within a Tokio runtime.
    pub fn build(self) -> Result<Harness, ConfigError> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        Ok(Harness {
            runtime: self.runtime.record_deliveries(true).build(),
            captured: self.captured,
        })
    }

    fn note(&mut self, problem: ConfigError) {
        self.problem.get_or_insert(problem);
    }
}

/// A [`Runtime`] for tests: it records every delivered batch and captures egress records.
///
/// Time is Tokio's clock. Under a paused clock (`#[tokio::test(start_paused = true)]`)
/// [`advance`](Self::advance) moves virtual time, so delays and expirations take no real
/// time; retries and call budgets then also run on virtual time, which suits functions in
/// process. Functions reached over real sockets are best tested on the real clock, where
/// the harness waits for real answers.
///
/// ```
/// use std::time::Duration;
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use statefun_runtime::Harness;
/// use statefun_runtime::protocol::{Address, TypedValue};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// let function = tower::service_fn(|_request: http::Request<Full<Bytes>>| async {
///     http::Response::builder()
///         .header("content-type", "application/octet-stream")
///         .body(Full::new(Bytes::new()))
/// });
/// let harness = Harness::builder()
///     .service("example/*", function)
///     .egress("example/out")
///     .build()
///     .unwrap();
/// let bob = Address::new("example", "greeter", "bob");
/// harness.send(bob.clone(), TypedValue::new("example/Name", &b"Bob"[..])).await.unwrap();
/// harness.advance(Duration::from_secs(60)).await.unwrap();
/// assert_eq!(harness.delivered().len(), 1);
/// assert!(harness.egress("example/out").is_empty());
/// assert!(harness.state(&bob, "seen").is_none());
/// # });
/// ```
pub struct Harness {
    runtime: Runtime,
    captured: HashMap<String, CapturedEgress>,
}

impl Harness {
    /// A builder with no function and no egress.
    pub fn builder() -> HarnessBuilder {
        HarnessBuilder::default()
    }

    /// Sends an ingress message (no caller) to `target`; see [`Runtime::send`].
    pub async fn send(&self, target: Address, argument: TypedValue) -> Result<(), Error> {
        self.runtime.send(target, argument).await
    }

    /// Waits until nothing is in flight, nothing is backlogged and no delayed message is due.
    pub async fn run_until_quiescent(&self) -> Result<(), Error> {
        self.runtime.run_until_quiescent().await
    }

    /// Moves the paused clock forward by `duration`, firing what falls due on the way in
    /// order, then runs until quiescent. Panics if Tokio's clock is not paused.
    pub async fn advance(&self, duration: Duration) -> Result<(), Error> {
        let end = tokio::time::Instant::now() + duration;
        self.run_until_quiescent().await?;
        while let Some(deadline) = self.runtime.next_delayed_deadline().filter(|at| *at <= end) {
            let step = deadline.saturating_duration_since(tokio::time::Instant::now());
            tokio::time::advance(step).await;
            self.run_until_quiescent().await?;
        }
        tokio::time::advance(end.saturating_duration_since(tokio::time::Instant::now())).await;
        self.run_until_quiescent().await
    }

    /// Runs until quiescent and no delayed message is pending, moving the clock to each
    /// delayed message's time; works on the paused clock and, by waiting, on the real one.
    pub async fn run_until_no_delayed_messages(&self) -> Result<(), Error> {
        loop {
            self.run_until_quiescent().await?;
            let Some(deadline) = self.runtime.next_delayed_deadline() else {
                return Ok(());
            };
            tokio::time::sleep_until(deadline).await;
        }
    }

    /// The live value of `state` at `address`.
    pub fn state(&self, address: &Address, state: &str) -> Option<TypedValue> {
        self.runtime.state(address, state)
    }

    /// Every live state value at `address`, by name.
    pub fn states(&self, address: &Address) -> BTreeMap<String, TypedValue> {
        self.runtime.states(address)
    }

    /// The records sent to the captured egress `id` so far, oldest first; empty for an
    /// egress the builder did not capture.
    pub fn egress(&self, id: &str) -> Vec<TypedValue> {
        self.captured
            .get(id)
            .map(CapturedEgress::records)
            .unwrap_or_default()
    }

    /// Every batch delivered so far, oldest first.
    pub fn delivered(&self) -> Vec<DeliveredBatch> {
        self.runtime.delivered()
    }

    /// The runtime under test.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}
