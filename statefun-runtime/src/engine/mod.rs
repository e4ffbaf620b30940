//! The engine: per-address mailboxes with one request in flight, state, delayed messages,
//! egress routing. It knows functions only through [`FunctionTransport`]s.
//!
//! [`FunctionTransport`]: crate::transport::FunctionTransport

mod call;
mod delayed;
mod endpoint;
mod response;
mod state;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use bytes::Bytes;
use prost::Message;
use statefun_protocol::from_function::{IncompleteInvocationContext, Response};
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, Request};
use statefun_protocol::{Address, FromFunction, ToFunction, TypedValue};
use tokio::sync::Notify;
use tokio::time::Instant;

pub use endpoint::{DEFAULT_CALL_BUDGET, DEFAULT_MAX_NUM_BATCH_REQUESTS, Endpoint};
pub use state::{Expiration, StateSpec};

use crate::egress::EgressSink;
use crate::error::{Error, Repr};
use crate::{FunctionSelector, FunctionType};
use delayed::DelayedMessages;
use response::{DelayedAction, Plan};
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
    egresses: HashMap<String, Arc<dyn EgressSink>>,
    record_deliveries: bool,
}

#[derive(Default)]
pub(crate) struct Routes {
    exact: HashMap<FunctionType, Arc<Endpoint>>,
    namespaces: HashMap<String, Arc<Endpoint>>,
}

impl RuntimeBuilder {
    /// Serves the function types `selector` picks through `endpoint`; a later entry for the
    /// same selector replaces an earlier one, and an exact type wins over its namespace.
    pub fn endpoint(mut self, selector: FunctionSelector, endpoint: Endpoint) -> Self {
        let endpoint = Arc::new(endpoint);
        match selector {
            FunctionSelector::Type(function_type) => {
                self.routes.exact.insert(function_type, endpoint);
            }
            FunctionSelector::Namespace(namespace) => {
                self.routes.namespaces.insert(namespace, endpoint);
            }
        }
        self
    }

    /// Declares the egress `id` (`namespace/type`), whose records go to `sink`.
    pub fn egress(mut self, id: impl Into<String>, sink: impl EgressSink) -> Self {
        self.egresses.insert(id.into(), Arc::new(sink));
        self
    }

    /// Keeps every delivered batch, for [`Runtime::delivered`]. Off by default: a long
    /// running runtime would keep them all.
    pub fn record_deliveries(mut self, record: bool) -> Self {
        self.record_deliveries = record;
        self
    }

    /// Starts the runtime; it must be called within a Tokio runtime, whose clock it uses.
    pub fn build(self) -> Runtime {
        let timer_wake = Arc::new(Notify::new());
        let shared = Arc::new(Shared {
            engine: Mutex::new(Engine {
                routes: self.routes,
                egresses: self.egresses,
                states: StateStore::default(),
                mailboxes: HashMap::new(),
                delayed: DelayedMessages::default(),
                blocked: 0,
                failure: None,
                delivered: self.record_deliveries.then(Vec::new),
            }),
            changed: Notify::new(),
            timer_wake: Arc::clone(&timer_wake),
        });
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
    egresses: HashMap<String, Arc<dyn EgressSink>>,
    states: StateStore,
    /// Addresses with a request in flight, and what waits behind it.
    mailboxes: HashMap<Address, Mailbox>,
    delayed: DelayedMessages,
    /// How many mailboxes hold a backlog at their endpoint's limit.
    blocked: usize,
    failure: Option<Error>,
    delivered: Option<Vec<DeliveredBatch>>,
}

struct Mailbox {
    endpoint: Arc<Endpoint>,
    in_flight: Arc<[Invocation]>,
    /// The state names the request in flight carried: a function may only call those
    /// missing if it is confused, while states registered after the request was sent (by
    /// another address of the same type) are legitimately missing from it.
    sent_states: Vec<String>,
    backlog: Vec<Invocation>,
    blocked: bool,
}

impl Runtime {
    /// A builder with no endpoint and no egress.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// Sends an ingress message (no caller) to `target`.
    ///
    /// Like StateFun's back-pressure, this waits while any address's backlog is at its
    /// endpoint's `maxNumBatchRequests`. It fails at once if no endpoint serves the
    /// target's type, and with the runtime's failure once it has failed.
    pub async fn send(&self, target: Address, argument: TypedValue) -> Result<(), Error> {
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut engine = self.shared.lock();
                if let Some(failure) = &engine.failure {
                    return Err(failure.clone());
                }
                if engine.blocked == 0 {
                    let endpoint = engine.routes.find(&target)?;
                    let invocation = Invocation {
                        caller: None,
                        argument: Some(argument),
                    };
                    engine.enqueue(&self.shared, target, endpoint, invocation);
                    return Ok(());
                }
            }
            changed.await;
        }
    }

    /// Waits until nothing is in flight, no backlog waits and no delayed message is due;
    /// delayed messages due later stay pending. Returns the runtime's failure if it failed.
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
                if engine.mailboxes.is_empty() && !engine.delayed.has_due(Instant::now()) {
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
            .peek(address, state, Instant::now())
    }

    /// Every live state value at `address`, by name.
    pub fn states(&self, address: &Address) -> BTreeMap<String, TypedValue> {
        self.shared.lock().states.peek_all(address, Instant::now())
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
            .get(address)
            .map_or(0, |mailbox| mailbox.backlog.len())
    }

    /// The batches delivered so far, oldest first, if
    /// [`record_deliveries`](RuntimeBuilder::record_deliveries) is on.
    pub fn delivered(&self) -> Vec<DeliveredBatch> {
        self.shared.lock().delivered.clone().unwrap_or_default()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Engine> {
        // Engine methods do not panic halfway through an update; keep serving after one did.
        self.engine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Handles the outcome of the call carrying `batch` to `target`.
    fn complete(
        self: &Arc<Self>,
        target: Address,
        batch: Arc<[Invocation]>,
        outcome: Result<FromFunction, Error>,
    ) {
        let mut engine = self.lock();
        if engine.failure.is_some() {
            // A failed job applies nothing more.
            return;
        }
        let result = match outcome {
            Err(failure) => Err(failure),
            Ok(FromFunction {
                response: Some(Response::IncompleteInvocationContext(context)),
            }) => engine.register_and_resend(self, &target, batch, context),
            Ok(FromFunction { response }) => {
                let response = match response {
                    Some(Response::InvocationResult(result)) => result,
                    _ => Default::default(),
                };
                engine.apply_and_continue(self, &target, &batch, response)
            }
        };
        if let Err(failure) = result {
            tracing::error!("{failure}");
            engine.failure = Some(failure);
        }
        drop(engine);
        self.changed.notify_waiters();
    }

    fn fire_due_timers(self: &Arc<Self>) -> Option<Instant> {
        let mut engine = self.lock();
        if engine.failure.is_some() {
            return None;
        }
        let due = engine.delayed.take_due(Instant::now());
        let fired = !due.is_empty();
        for message in due {
            let invocation = Invocation {
                caller: Some(message.sender),
                argument: Some(message.argument),
            };
            engine.enqueue(self, message.target, message.endpoint, invocation);
        }
        let next = engine.delayed.next_deadline();
        drop(engine);
        if fired {
            self.changed.notify_waiters();
        }
        next
    }
}

impl Engine {
    /// Queues `invocation` for `target`: sent at once if the address is idle, else added
    /// to its backlog.
    fn enqueue(
        &mut self,
        shared: &Arc<Shared>,
        target: Address,
        endpoint: Arc<Endpoint>,
        invocation: Invocation,
    ) {
        if let Some(mailbox) = self.mailboxes.get_mut(&target) {
            mailbox.backlog.push(invocation);
            let at_limit = mailbox
                .endpoint
                .max_backlog()
                .is_some_and(|limit| mailbox.backlog.len() >= limit);
            if at_limit && !mailbox.blocked {
                mailbox.blocked = true;
                self.blocked += 1;
            }
            return;
        }
        let batch: Arc<[Invocation]> = Arc::from(vec![invocation]);
        self.mailboxes.insert(
            target.clone(),
            Mailbox {
                endpoint,
                in_flight: Arc::clone(&batch),
                sent_states: Vec::new(),
                backlog: Vec::new(),
                blocked: false,
            },
        );
        self.start_call(shared, target, batch);
    }

    /// Sends `batch` to `target` with every registered state attached as of now.
    fn start_call(&mut self, shared: &Arc<Shared>, target: Address, batch: Arc<[Invocation]>) {
        let Some(mailbox) = self.mailboxes.get_mut(&target) else {
            return;
        };
        mailbox.in_flight = Arc::clone(&batch);
        let endpoint = Arc::clone(&mailbox.endpoint);
        let state = self.states.attach(&target, Instant::now());
        mailbox.sent_states = state.iter().map(|value| value.state_name.clone()).collect();
        let request = ToFunction {
            request: Some(Request::Invocation(InvocationBatchRequest {
                target: Some(target.clone()),
                state,
                invocations: batch.to_vec(),
            })),
        };
        let body = Bytes::from(request.encode_to_vec());
        let shared = Arc::clone(shared);
        tokio::spawn(async move {
            let outcome = call::call_with_retries(
                endpoint.transport.as_ref(),
                &target,
                body,
                endpoint.call_budget,
            )
            .await;
            shared.complete(target, batch, outcome);
        });
    }

    fn register_and_resend(
        &mut self,
        shared: &Arc<Shared>,
        target: &Address,
        batch: Arc<[Invocation]>,
        context: IncompleteInvocationContext,
    ) -> Result<(), Error> {
        let sent = self
            .mailboxes
            .get(target)
            .map(|mailbox| mailbox.sent_states.as_slice())
            .unwrap_or_default();
        let reported_sent_states_missing = context
            .missing_values
            .iter()
            .any(|spec| sent.contains(&spec.state_name));
        let added = self.states.register(target, &context.missing_values)?;
        if reported_sent_states_missing || (added == 0 && context.missing_values.is_empty()) {
            return Err(Repr::MissingStatesLoop {
                address: target.clone(),
                states: context
                    .missing_values
                    .into_iter()
                    .map(|spec| spec.state_name)
                    .collect(),
            }
            .into());
        }
        tracing::debug!(%target, added, "registered missing states, sending the batch again");
        self.start_call(shared, target.clone(), batch);
        Ok(())
    }

    fn apply_and_continue(
        &mut self,
        shared: &Arc<Shared>,
        target: &Address,
        batch: &Arc<[Invocation]>,
        response: statefun_protocol::from_function::InvocationResponse,
    ) -> Result<(), Error> {
        let now = Instant::now();
        let plan = self.check_response(target, response, now)?;
        self.apply(shared, target, plan, now);
        if let Some(delivered) = &mut self.delivered {
            delivered.push(DeliveredBatch {
                target: target.clone(),
                invocations: batch.to_vec(),
            });
        }
        let Some(mailbox) = self.mailboxes.get_mut(target) else {
            return Ok(());
        };
        if mailbox.blocked {
            mailbox.blocked = false;
            self.blocked -= 1;
        }
        if mailbox.backlog.is_empty() {
            self.mailboxes.remove(target);
        } else {
            let next: Arc<[Invocation]> = Arc::from(std::mem::take(&mut mailbox.backlog));
            self.start_call(shared, target.clone(), next);
        }
        Ok(())
    }

    fn apply(&mut self, shared: &Arc<Shared>, sender: &Address, plan: Plan, now: Instant) {
        for (target, endpoint, argument) in plan.messages {
            let invocation = Invocation {
                caller: Some(sender.clone()),
                argument: Some(argument),
            };
            self.enqueue(shared, target, endpoint, invocation);
        }
        let earliest_before = self.delayed.next_deadline();
        for action in plan.delayed {
            match action {
                DelayedAction::Schedule { at, message } => self.delayed.schedule(at, *message),
                DelayedAction::Cancel { token } => self.delayed.cancel(sender, &token),
            }
        }
        if self.delayed.next_deadline() != earliest_before {
            shared.timer_wake.notify_one();
        }
        for (sink, value) in plan.egress {
            sink.accept(value);
        }
        for mutation in plan.mutations {
            self.states.apply(sender, mutation, now);
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
