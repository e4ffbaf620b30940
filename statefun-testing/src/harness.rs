//! The runtime's test harness, spoken in the SDK's terms.

use std::fmt;
use std::time::Duration;

use statefun_protocol::TypedValue;
use statefun_runtime::config::ConfigError;
use statefun_runtime::transport::{FunctionTransport, ServiceTransport};
use statefun_runtime::{DeliveredBatch, Endpoint, Error};
use statefun_sdk::types::Type;
use statefun_sdk::{Address, OutgoingMessage, PLAYGROUND_EGRESS, RequestReplyHandler, ValueSpec};

use crate::convert;
use crate::error::ReadError;
use crate::records::{self, KafkaRecord, KinesisRecord, PlaygroundRecord};

/// Builds a [`Harness`]: the functions, the egresses, and how failures are retried.
#[must_use = "a builder does nothing until it is built"]
pub struct HarnessBuilder {
    inner: statefun_runtime::HarnessBuilder,
    handlers: Vec<(String, RequestReplyHandler)>,
    retry_failures: bool,
}

impl HarnessBuilder {
    /// Serves the function types `selector` picks (`ns/name` or `ns/*`) with `handler`, in
    /// process.
    pub fn handler(mut self, selector: &str, handler: RequestReplyHandler) -> Self {
        self.handlers.push((selector.to_owned(), handler));
        self
    }

    /// Serves `selector` in process through `service`, an HTTP service in front of your
    /// functions: e.g. an adapter that plays API Gateway before a Lambda function, or your
    /// axum app. These calls are retried as StateFun does.
    pub fn service<S>(mut self, selector: &str, service: S) -> Self
    where
        ServiceTransport<S>: FunctionTransport,
    {
        self.inner = self.inner.service(selector, service);
        self
    }

    /// Serves `selector` over HTTP at `url` (a `urlPathTemplate`), e.g. a server the test
    /// started; these calls are retried as StateFun does.
    pub fn url(mut self, selector: &str, url: &str) -> Self {
        self.inner = self.inner.url(selector, url);
        self
    }

    /// Declares the egress `id` (`namespace/name`) and keeps its records.
    pub fn egress(mut self, id: impl fmt::Display) -> Self {
        self.inner = self.inner.egress(&id.to_string());
        self
    }

    /// Declares the playground's egress, `io.statefun.playground/egress`, and keeps its
    /// records for [`Harness::playground_records`].
    pub fn playground_egress(self) -> Self {
        self.egress(PLAYGROUND_EGRESS)
    }

    /// Retries a failed call to an in-process handler with backoff until the call budget
    /// runs out, as StateFun does. Off by default: a function that fails deterministically
    /// would fail the same way on every retry, so the harness stops at the first failure
    /// and reports it once.
    pub fn retry_failures(mut self, retry: bool) -> Self {
        self.retry_failures = retry;
        self
    }

    /// Starts the harness; call it within a Tokio runtime.
    pub fn build(self) -> Result<Harness, ConfigError> {
        let mut inner = self.inner;
        for (selector, handler) in self.handlers {
            let mut endpoint = Endpoint::service(handler.into_service());
            if !self.retry_failures {
                endpoint = endpoint.max_attempts(1);
            }
            inner = inner.endpoint(&selector, endpoint);
        }
        Ok(Harness {
            inner: inner.build()?,
        })
    }
}

/// The reference runtime over your functions, on Tokio's clock: send messages built with
/// [`MessageBuilder`](statefun_sdk::MessageBuilder), run, then read states through their
/// [`ValueSpec`]s and egress records decoded.
///
/// Under a paused clock (`#[tokio::test(start_paused = true)]`) [`advance`](Self::advance)
/// moves virtual time, so delayed messages and expirations take no real time. See the
/// [crate documentation](crate) for a whole test.
pub struct Harness {
    inner: statefun_runtime::Harness,
}

impl Harness {
    /// A builder with no function and no egress.
    pub fn builder() -> HarnessBuilder {
        HarnessBuilder {
            inner: statefun_runtime::Harness::builder(),
            handlers: Vec::new(),
            retry_failures: false,
        }
    }

    /// Sends `message` as an ingress would (no caller).
    pub async fn send(&self, message: OutgoingMessage) -> Result<(), Error> {
        let target = convert::address(message.target());
        self.inner
            .send(target, convert::typed_value(&message))
            .await
    }

    /// Waits until nothing is in flight, nothing is backlogged and no delayed message is
    /// due; an error if a function failed (the first failure, as StateFun fails the job).
    pub async fn run_until_quiescent(&self) -> Result<(), Error> {
        self.inner.run_until_quiescent().await
    }

    /// Moves the paused clock forward by `duration`, delivering what falls due on the way,
    /// then runs until quiescent. Panics if Tokio's clock is not paused.
    pub async fn advance(&self, duration: Duration) -> Result<(), Error> {
        self.inner.advance(duration).await
    }

    /// Runs until no delayed message is pending, moving the clock to each one's time.
    pub async fn run_until_no_delayed_messages(&self) -> Result<(), Error> {
        self.inner.run_until_no_delayed_messages().await
    }

    /// The value of `spec` at `address`: `None` if it has none (never written, removed or
    /// expired); an error if it has another type than the spec's.
    pub fn state<T: Type>(
        &self,
        address: &Address,
        spec: &ValueSpec<T>,
    ) -> Result<Option<T::Value>, ReadError> {
        let Some(value) = self.inner.state(&convert::address(address), spec.name()) else {
            return Ok(None);
        };
        let what = format!("the state `{}` of {address}", spec.name());
        convert::read(spec.value_type(), &value, &what).map(Some)
    }

    /// The records of the egress `id` so far, oldest first, each read as `ty`.
    pub fn egress<T: Type>(
        &self,
        id: impl fmt::Display,
        ty: &T,
    ) -> Result<Vec<T::Value>, ReadError> {
        self.records(id, |value, what| convert::read(ty, value, what))
    }

    /// The records of the Kafka egress `id` so far, decoded.
    pub fn kafka_records(&self, id: impl fmt::Display) -> Result<Vec<KafkaRecord>, ReadError> {
        self.records(id, records::kafka)
    }

    /// The records of the Kinesis egress `id` so far, decoded.
    pub fn kinesis_records(&self, id: impl fmt::Display) -> Result<Vec<KinesisRecord>, ReadError> {
        self.records(id, records::kinesis)
    }

    /// The records of the playground's egress so far, decoded; it must be declared with
    /// [`HarnessBuilder::playground_egress`].
    pub fn playground_records(&self) -> Result<Vec<PlaygroundRecord>, ReadError> {
        self.records(PLAYGROUND_EGRESS, records::playground)
    }

    /// The records of the egress `id` so far as they came over the wire.
    pub fn raw_egress(&self, id: impl fmt::Display) -> Vec<TypedValue> {
        self.inner.egress(&id.to_string())
    }

    /// Every batch delivered so far, oldest first.
    pub fn delivered(&self) -> Vec<DeliveredBatch> {
        self.inner.delivered()
    }

    /// The runtime's own harness, for what this one does not offer.
    pub fn inner(&self) -> &statefun_runtime::Harness {
        &self.inner
    }

    fn records<R>(
        &self,
        id: impl fmt::Display,
        read: impl Fn(&TypedValue, &str) -> Result<R, ReadError>,
    ) -> Result<Vec<R>, ReadError> {
        let id = id.to_string();
        self.inner
            .egress(&id)
            .iter()
            .enumerate()
            .map(|(index, value)| read(value, &format!("record {index} of the egress `{id}`")))
            .collect()
    }
}
