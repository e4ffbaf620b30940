//! The engine: per-address mailboxes with one request in flight, state, delayed messages,
//! egress routing. It knows functions only through [`FunctionTransport`]s.
//!
//! A function's answer goes through one step per file, straight down:
//! [`call`] sends a batch and [`decode`]s the answer; [`plan`] checks all of it into a
//! [`Plan`](plan::Plan) that cannot fail to apply; the [`journal`] records each change for
//! the store, which commits the whole answer at once; [`apply`] changes memory and sends
//! the next batch from the [`mailbox`]. A failure instead [`parking`]s the address, or
//! stops the runtime.
//!
//! [`FunctionTransport`]: crate::transport::FunctionTransport

mod address_key;
mod apply;
mod backlog;
mod call;
mod decode;
mod delayed;
mod encode;
mod endpoint;
mod incomplete;
mod inspect;
mod journal;
mod mailbox;
mod observe;
mod parking;
mod plan;
mod restore;
mod routes;
mod state;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use statefun_protocol::to_function::Invocation;

use statefun_protocol::{Address, TypedValue};
use tokio::sync::Notify;
use tokio::time::Instant;

#[cfg(feature = "fuzzing")]
pub use decode::oracle::from_function_reads_as_prost;
pub(crate) use delayed::DelayedMessage;
pub use endpoint::{DEFAULT_CALL_BUDGET, DEFAULT_MAX_NUM_BATCH_REQUESTS, Endpoint};
pub(crate) use inspect::{EndpointView, FunctionView, Gauges};
pub(crate) use observe::{DELIVERY_RING, LATENCY_BOUNDS_US};
pub use parking::{FailurePolicy, ParkedAddress, ParkedBacklogLimit};
pub use state::{Expiration, StateSpec};

use crate::egress::EgressSink;
use crate::error::{Error, Repr};
use crate::fast_map::FastMap;
use crate::playground::QueuedEgress;
use crate::store::Store;
use crate::{FunctionSelector, FunctionType};
use address_key::AddressKey;
use decode::Answer;
use delayed::DelayedMessages;
use encode::InvocationEntry;
use journal::Journal;
use mailbox::Mailbox;
use observe::Observer;
use parking::Parked;
use routes::Routes;
use state::StateStore;

/// A batch a function received and whose response the runtime applied.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveredBatch {
    /// The function instance.
    pub target: Address,
    /// The invocations, in the order the function got them.
    pub invocations: Vec<Invocation>,
}

/// Builds a [`Runtime`]: which endpoint serves which function types, and which egresses exist.
#[derive(Default)]
pub struct RuntimeBuilder {
    routes: Routes,
    egresses: FastMap<String, Arc<dyn EgressSink>>,
    queued: FastMap<String, QueuedEgress>,
    record_deliveries: bool,
    policy: Option<FailurePolicy>,
    parked_limit: ParkedBacklogLimit,
    store: Option<Store>,
}

impl RuntimeBuilder {
    /// Serves the function types `selector` picks through `endpoint`; a later entry for the
    /// same selector replaces an earlier one, and an exact type wins over its namespace.
    pub fn endpoint(mut self, selector: FunctionSelector, endpoint: Endpoint) -> Self {
        self.routes.insert(selector, Arc::new(endpoint));
        self
    }

    /// Declares the egress `id` (`namespace/type`), whose records go to `sink`.
    pub fn egress(mut self, id: impl Into<String>, sink: impl EgressSink) -> Self {
        self.egresses.insert(id.into(), Arc::new(sink));
        self
    }

    /// Declares the playground egress `id`, whose records wait in `queued`'s topics; with
    /// a store they are stored too (see [`crate::playground::PlaygroundEgress`]).
    pub(crate) fn queued_egress(
        mut self,
        id: impl Into<String>,
        sink: impl EgressSink,
        queued: QueuedEgress,
    ) -> Self {
        let id = id.into();
        self.queued.insert(id.clone(), queued);
        self.egress(id, sink)
    }

    /// Keeps every delivered batch, for [`Runtime::delivered`]. Off by default: a long
    /// running runtime would keep them all.
    pub fn record_deliveries(mut self, record: bool) -> Self {
        self.record_deliveries = record;
        self
    }

    /// What to do when an address fails; [`FailurePolicy::Stop`] unless set.
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// How much may wait for a parked address before [`Runtime::send`] refuses more for
    /// it; [`ParkedBacklogLimit::DEFAULT`] unless set.
    pub fn parked_backlog_limit(mut self, limit: ParkedBacklogLimit) -> Self {
        self.parked_limit = limit;
        self
    }

    /// Keeps everything the runtime acknowledges in `store`, and starts from what it
    /// holds: state, specs, queued and in-flight messages (sent again), delayed messages
    /// (fired at their time, at once if overdue). Without a store everything is in memory.
    pub fn store(mut self, store: Store) -> Self {
        self.store = Some(store);
        self
    }

    /// Starts the runtime; it must be called within a Tokio runtime, whose clock it uses.
    pub fn build(mut self) -> Runtime {
        let timer_wake = Arc::new(Notify::new());
        let restored = self.store.as_mut().and_then(|store| store.restored.take());
        let next_seq = restored.as_ref().map_or(0, |restored| restored.next_seq);
        if let Some(store) = &self.store {
            for (id, queued) in &self.queued {
                queued.queues.attach(id, store.handle());
            }
        }
        let mut engine = Engine {
            routes: self.routes,
            egresses: self.egresses,
            queued: self.queued,
            states: StateStore::default(),
            mailboxes: FastMap::default(),
            delayed: DelayedMessages::default(),
            blocked: 0,
            failure: None,
            delivered: self.record_deliveries.then(Vec::new),
            wake_waiters: false,
            start: Vec::new(),
            states_scratch: Vec::new(),
            entries_scratch: Vec::new(),
            policy: self.policy.unwrap_or(FailurePolicy::Stop),
            parked: FastMap::default(),
            parked_limit: self.parked_limit,
            journal: Journal::new(self.store, next_seq),
            observe: Observer::default(),
        };
        if engine.journal.is_durable() {
            engine.states.track_expired();
        }
        if let Some(restored) = restored {
            engine.restore(restored, Instant::now());
            drop(engine.commit_step());
        }
        let shared = Arc::new(Shared {
            engine: Mutex::new(engine),
            changed: Notify::new(),
            timer_wake: Arc::clone(&timer_wake),
        });
        shared.start_calls(&mut shared.lock());
        tokio::spawn(drive_timers(Arc::downgrade(&shared), timer_wake));
        Runtime { shared }
    }
}

/// A StateFun runtime: it routes messages to functions, keeps their state, fires delayed
/// messages and hands egress records to sinks, with StateFun's semantics.
///
/// Time is Tokio's clock, so under a paused clock (`#[tokio::test(start_paused = true)]`)
/// delays, expirations, backoffs and call budgets run on virtual time.
///
/// ```
/// use statefun_runtime::{Endpoint, Runtime};
/// use statefun_runtime::protocol::{Address, TypedValue};
/// use bytes::Bytes;
/// use http_body_util::Full;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// // A function that answers every batch with no effect.
/// let function = tower::service_fn(|_request: http::Request<Full<Bytes>>| async {
///     http::Response::builder()
///         .header("content-type", "application/octet-stream")
///         .body(Full::new(Bytes::new()))
/// });
/// let runtime = Runtime::builder()
///     .endpoint("example/*".parse().unwrap(), Endpoint::service(function))
///     .record_deliveries(true)
///     .build();
/// let bob = Address::new("example", "greeter", "bob");
/// runtime.send(bob.clone(), TypedValue::new("example/Name", &b"Bob"[..])).await.unwrap();
/// runtime.run_until_quiescent().await.unwrap();
/// assert_eq!(runtime.delivered()[0].target, bob);
/// # });
/// ```
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

struct Shared {
    engine: Mutex<Engine>,
    /// Wakes whoever waits for quiescence, for a backlog to shrink or for a failure.
    changed: Notify,
    /// Wakes the delayed-message driver when the earliest deadline may have moved.
    timer_wake: Arc<Notify>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Lets the driver notice that the runtime is gone.
        self.timer_wake.notify_one();
    }
}

pub(crate) struct Engine {
    routes: Routes,
    egresses: FastMap<String, Arc<dyn EgressSink>>,
    /// The egresses whose records wait in topics, stored with a store.
    queued: FastMap<String, QueuedEgress>,
    states: StateStore,
    /// Addresses with a request in flight, and what waits behind it. The key is shared
    /// with the task of the call in flight.
    mailboxes: FastMap<AddressKey, Mailbox>,
    delayed: DelayedMessages,
    /// How many mailboxes hold a backlog at their endpoint's limit.
    blocked: usize,
    failure: Option<Error>,
    delivered: Option<Vec<DeliveredBatch>>,
    /// Whether something the waiters of [`Shared::changed`] look at changed: a failure,
    /// the last blocked backlog or the last mailbox gone. Waking them for every response
    /// would cost a poll of each waiter per message.
    wake_waiters: bool,
    /// Calls made and not running yet; see [`Shared::start_calls`].
    start: Vec<call::Call>,
    /// Buffers reused by every request, for its state and invocation entries.
    states_scratch: Vec<u8>,
    entries_scratch: Vec<u8>,
    policy: FailurePolicy,
    /// Addresses whose mailbox is held after a failure.
    parked: FastMap<AddressKey, Parked>,
    parked_limit: ParkedBacklogLimit,
    /// The changes of the current step, for the store.
    journal: Journal,
    observe: Observer,
}

impl Runtime {
    /// A builder with no endpoint and no egress.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// Sends an ingress message (no caller) to `target`. With a [store](RuntimeBuilder::store),
    /// it returns once the message is durable.
    ///
    /// Like StateFun's back-pressure, this waits while any address's backlog is at its
    /// endpoint's `maxNumBatchRequests` (parked addresses excepted). It fails at once if no
    /// endpoint serves the target's type, if the target is parked with a full backlog
    /// ([`RuntimeBuilder::parked_backlog_limit`]), and with the runtime's failure once it
    /// has failed.
    pub async fn send(&self, target: Address, argument: TypedValue) -> Result<(), Error> {
        let written = loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut engine = self.shared.lock();
                if let Some(failure) = &engine.failure {
                    return Err(failure.clone());
                }
                if engine.blocked == 0 {
                    let target = AddressKey::from(&target);
                    let endpoint = Arc::clone(engine.routes.find(&target)?);
                    let len = argument.value.len() + argument.typename.len();
                    engine.check_parked_room(&target, len, Instant::now())?;
                    let invocation = InvocationEntry {
                        caller: None,
                        argument: (&argument).into(),
                    };
                    engine.enqueue(target, &endpoint, invocation, Instant::now());
                    let written = engine.commit_step();
                    self.shared.start_calls(&mut engine);
                    break written;
                }
            }
            changed.await;
        };
        match written {
            Some(written) => written.wait().await.map_err(|source| {
                Repr::Storage {
                    address: target,
                    source,
                }
                .into()
            }),
            None => Ok(()),
        }
    }

    /// Waits until nothing is in flight, no backlog waits (but those of parked addresses)
    /// and no delayed message is due; delayed messages due later stay pending. Returns the
    /// runtime's failure if it failed.
    pub async fn run_until_quiescent(&self) -> Result<(), Error> {
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let engine = self.shared.lock();
                if let Some(failure) = &engine.failure {
                    return Err(failure.clone());
                }
                if engine.mailboxes.len() == engine.parked.len()
                    && !engine.delayed.has_due(Instant::now())
                {
                    return Ok(());
                }
            }
            changed.await;
        }
    }

    /// Waits until the runtime fails, and returns why.
    pub async fn failed(&self) -> Error {
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(failure) = &self.shared.lock().failure {
                return failure.clone();
            }
            changed.await;
        }
    }

    /// The failure that stopped the runtime, if any.
    pub fn failure(&self) -> Option<Error> {
        self.shared.lock().failure.clone()
    }

    /// The live value of `state` at `address`; looking does not count as an invocation.
    pub fn state(&self, address: &Address, state: &str) -> Option<TypedValue> {
        self.shared
            .lock()
            .states
            .peek(&address.into(), state, Instant::now())
    }

    /// Every live state value at `address`, by name.
    pub fn states(&self, address: &Address) -> BTreeMap<String, TypedValue> {
        self.shared
            .lock()
            .states
            .peek_all(&address.into(), Instant::now())
    }

    /// The state specs learned for `function_type`, by name.
    pub fn state_specs(&self, function_type: &FunctionType) -> BTreeMap<String, StateSpec> {
        self.shared.lock().states.specs(function_type)
    }

    /// How many delayed messages wait for their time.
    pub fn pending_delayed_messages(&self) -> usize {
        self.shared.lock().delayed.len()
    }

    /// When the next delayed message is due, if any is pending.
    pub fn next_delayed_deadline(&self) -> Option<Instant> {
        self.shared.lock().delayed.next_deadline()
    }

    /// How many messages wait behind the request in flight to `address`.
    pub fn backlog(&self, address: &Address) -> usize {
        self.shared
            .lock()
            .mailboxes
            .get(&AddressKey::from(address))
            .map_or(0, Mailbox::backlog_len)
    }

    /// The batches delivered so far, oldest first, if
    /// [`record_deliveries`](RuntimeBuilder::record_deliveries) is on.
    pub fn delivered(&self) -> Vec<DeliveredBatch> {
        self.shared.lock().delivered.clone().unwrap_or_default()
    }

    /// Waits until everything the runtime did so far is durable in its
    /// [store](RuntimeBuilder::store); at once without one. (Only ingress messages are
    /// acknowledged after their commit; the effects of responses are committed behind.)
    pub async fn wait_durable(&self) -> Result<(), crate::store::StoreError> {
        let written = self.shared.lock().journal.barrier();
        match written {
            Some(written) => written.wait().await,
            None => Ok(()),
        }
    }

    /// How many addresses have a batch in flight or messages waiting, parked ones aside.
    pub fn active_addresses(&self) -> usize {
        let engine = self.shared.lock();
        engine.mailboxes.len() - engine.parked.len()
    }

    /// The parked addresses (see [`FailurePolicy::Park`]), the longest parked first.
    pub fn parked(&self) -> Vec<ParkedAddress> {
        self.shared.lock().parked_addresses(Instant::now())
    }

    /// Sends the failed batch of the parked `address` again, as it was, e.g. after its
    /// function was fixed. Returns false if the address is not parked.
    pub fn retry_parked(&self, address: &Address) -> bool {
        let mut engine = self.shared.lock();
        let retried = engine.unpark(&AddressKey::from(address), Instant::now());
        self.shared.finish_step(engine);
        retried
    }

    /// Drops the head message of the parked `address` (logged) and delivers the rest in
    /// order. Returns the dropped message, or `None` if the address is not parked.
    pub fn skip_parked(&self, address: &Address) -> Option<Invocation> {
        let mut engine = self.shared.lock();
        let dropped = engine.skip(&AddressKey::from(address), Instant::now());
        self.shared.finish_step(engine);
        dropped
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Engine> {
        // Engine methods do not panic halfway through an update; keep serving after one did.
        self.engine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs the calls the engine made, each on a task of its own.
    fn start_calls(self: &Arc<Self>, engine: &mut Engine) {
        for call in engine.start.drain(..) {
            tokio::spawn(call::run(Arc::clone(self), call));
        }
    }

    /// Handles the outcome of `call`, and returns a call it made for the caller's task to
    /// run next.
    fn complete(
        self: &Arc<Self>,
        call: call::Call,
        outcome: Result<Answer, Error>,
    ) -> Option<call::Call> {
        let mut engine = self.lock();
        if engine.failure.is_some() {
            // A failed job applies nothing more.
            return None;
        }
        let now = Instant::now();
        // The answer was decoded by the call; check it into a plan, then apply it (the
        // journal collecting the changes), and commit them as one step.
        let result = match outcome {
            Err(failure) => Err(failure),
            Ok(Answer::Incomplete(context)) => engine.register_and_resend(&call, context, now),
            Ok(Answer::Effects(effects)) => engine
                .plan(&call.target, effects, now)
                .map(|plan| engine.apply(self, &call, plan, now)),
        };
        if let Err(failure) = result {
            engine.observe.failed(&call, &failure, now);
            engine.fail(&call, failure, now);
            // A parked address has a retry time.
            self.timer_wake.notify_one();
        }
        engine.observe.keep(call);
        let next = engine.start.pop();
        self.finish_step(engine);
        next
    }

    /// Commits the step's changes, starts the calls it made and wakes the waiters.
    fn finish_step(self: &Arc<Self>, mut engine: MutexGuard<'_, Engine>) {
        // Nobody waits for this commit: later steps are committed after it, and what
        // others can see of it (egress records) waits for it in the store.
        drop(engine.commit_step());
        self.start_calls(&mut engine);
        let wake = std::mem::take(&mut engine.wake_waiters);
        drop(engine);
        if wake {
            self.changed.notify_waiters();
        }
    }

    fn fire_due_timers(self: &Arc<Self>) -> Option<Instant> {
        let mut engine = self.lock();
        if engine.failure.is_some() {
            return None;
        }
        let now = Instant::now();
        let due = engine.delayed.take_due(now);
        let fired = !due.is_empty();
        for (seq, message) in due {
            engine.journal.delayed_removed(seq);
            let invocation = InvocationEntry {
                caller: Some(message.sender.encoded()),
                argument: (&message.argument).into(),
            };
            engine.enqueue(message.target, &message.endpoint, invocation, now);
        }
        let retried = engine.retry_due_parked(now);
        if fired || retried {
            engine.wake_waiters = true;
        }
        let next = engine.next_deadline();
        self.finish_step(engine);
        next
    }
}

impl Engine {
    /// The next time the timer driver has something to do: a delayed message or the
    /// retry of a parked address.
    fn next_deadline(&self) -> Option<Instant> {
        match (self.delayed.next_deadline(), self.next_parked_retry()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Handles a failed call or an unusable answer as the policy says.
    fn fail(&mut self, call: &call::Call, failure: Error, now: Instant) {
        match self.policy {
            FailurePolicy::Stop => {
                tracing::error!("{failure}");
                self.failure = Some(failure);
                self.wake_waiters = true;
            }
            FailurePolicy::Park {
                first_retry,
                max_retry,
            } => self.park(call, failure, (first_retry, max_retry), now),
        }
    }
}

/// Fires delayed messages when they are due, until the runtime is dropped.
async fn drive_timers(shared: Weak<Shared>, wake: Arc<Notify>) {
    loop {
        let woken = wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let Some(strong) = shared.upgrade() else {
            return;
        };
        let next = strong.fire_due_timers();
        drop(strong);
        match next {
            Some(deadline) => {
                tokio::select! {
                    () = tokio::time::sleep_until(deadline) => {}
                    () = &mut woken => {}
                }
            }
            None => woken.await,
        }
    }
}
