use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use tracing::Instrument as _;

use crate::context::Context;
use crate::effects::{Effects, MissingSpec};
use crate::function::{ErasedFunction, FunctionSpec, InvocationFailure};
use crate::spare::Spare;
use crate::storage::{Cell, Storage};
use crate::value_spec::DeclaredState;
use crate::wire::{self, Invocations, ResponseWriter, ToFunctionError};
use crate::{Address, Error, Protocol, TypeName};

/// Serves registered functions over the StateFun request-reply protocol: `ToFunction`
/// bytes in, `FromFunction` bytes out. Transport-agnostic; the [`http`](crate::http)
/// adapters put it behind HTTP.
///
/// Cloning is cheap and every clone serves the same functions. Requests are independent:
/// any number may run at once, each over its own batch.
///
/// ```
/// use statefun_sdk::types::IntType;
/// use statefun_sdk::{Context, Error, FunctionSpec, Message, RequestReplyHandler, TypeName, ValueSpec};
///
/// static SEEN: ValueSpec<IntType> = ValueSpec::new("seen", IntType);
///
/// async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
///     let seen = ctx.storage().get(&SEEN)?.unwrap_or(0) + 1;
///     ctx.storage().set(&SEEN, seen)?;
///     Ok(())
/// }
///
/// let handler = RequestReplyHandler::builder()
///     .register(FunctionSpec::new(TypeName::from_static("example/greeter"), greeter).with_state(&SEEN))
///     .build()
///     .unwrap();
/// # let _ = handler;
/// ```
#[derive(Clone)]
pub struct RequestReplyHandler {
    registry: Arc<Registry>,
    protocol: Protocol,
}

/// Function types by name. Looked up once per request with a name from the runtime; the
/// keys are fixed when the handler is built, so a simple hash beats SipHash's DoS
/// resistance, which only matters for maps that grow from untrusted input.
type Registry = HashMap<TypeName, Registered, BuildHasherDefault<Fnv1a>>;

/// FNV-1a, 64 bit.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

pub(crate) struct Registered {
    pub(crate) declared: Arc<[DeclaredState]>,
    pub(crate) function: Arc<dyn ErasedFunction>,
}

/// Collects the functions of a [`RequestReplyHandler`].
#[derive(Debug, Default)]
#[must_use = "call build() to get the handler"]
pub struct HandlerBuilder {
    specs: Vec<FunctionSpec>,
    protocol: Protocol,
}

/// Why functions could not be registered together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(transparent)]
pub struct BuildError(#[from] BuildErrorKind);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum BuildErrorKind {
    #[error("the function type `{0}` is registered twice")]
    DuplicateFunction(TypeName),
    #[error("the function type `{function}` declares the state `{name}` twice")]
    DuplicateState { function: TypeName, name: String },
}

impl HandlerBuilder {
    /// Adds a function type.
    pub fn register(mut self, spec: FunctionSpec) -> Self {
        self.specs.push(spec);
        self
    }

    /// The protocol generation to speak: [`Protocol::V3`] unless told otherwise. The same
    /// functions serve either; see [`Protocol`] for what 2.x lacks.
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// The handler; an error if a function type is registered twice or a function declares
    /// a state name twice.
    pub fn build(self) -> Result<RequestReplyHandler, BuildError> {
        let mut registry = Registry::with_capacity_and_hasher(self.specs.len(), Default::default());
        for spec in self.specs {
            for (i, state) in spec.states.iter().enumerate() {
                if spec.states[..i]
                    .iter()
                    .any(|earlier| earlier.name == state.name)
                {
                    return Err(BuildErrorKind::DuplicateState {
                        function: spec.typename.clone(),
                        name: state.name.to_string(),
                    }
                    .into());
                }
            }
            if registry.contains_key(&spec.typename) {
                return Err(BuildErrorKind::DuplicateFunction(spec.typename).into());
            }
            registry.insert(
                spec.typename,
                Registered {
                    declared: spec.states.into(),
                    function: spec.function,
                },
            );
        }
        Ok(RequestReplyHandler {
            registry: Arc::new(registry),
            protocol: self.protocol,
        })
    }
}

/// Why a request got no `FromFunction`. [`kind`](HandlerError::kind) tells which case it
/// is, e.g. to choose an HTTP status; the message names the details.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct HandlerError(Box<HandlerErrorInner>);

impl From<HandlerErrorInner> for HandlerError {
    fn from(inner: HandlerErrorInner) -> Self {
        HandlerError(Box::new(inner))
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum HandlerErrorInner {
    #[error("invalid request: {0}")]
    InvalidRequest(#[from] ToFunctionError),
    #[error("unknown function type `{requested}`; this endpoint serves {served}")]
    UnknownFunction { requested: TypeName, served: String },
    #[error("function {address} failed on invocation {index} of {batch}: {error}")]
    FunctionFailed {
        address: Address,
        index: usize,
        batch: usize,
        error: Error,
    },
    #[error("function {address} panicked on invocation {index} of {batch}: {message}")]
    FunctionPanicked {
        address: Address,
        index: usize,
        batch: usize,
        message: String,
    },
    #[error(
        "function {address} declares the state `{names}`, which the request does not carry; with StateFun 2.x declare every state of the function in module.yaml (`states:` of its spec)"
    )]
    StatesNotInRequest { address: Address, names: String },
    #[error("function {address} used {feature}, which the StateFun 2.x protocol cannot carry")]
    Unsupported {
        address: Address,
        feature: &'static str,
    },
}

impl From<ToFunctionError> for HandlerError {
    fn from(error: ToFunctionError) -> Self {
        HandlerErrorInner::from(error).into()
    }
}

/// The cases of [`HandlerError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandlerErrorKind {
    /// The body is not a `ToFunction` with an invocation batch.
    InvalidRequest,
    /// No function of the requested type is registered here.
    UnknownFunction,
    /// The function returned an error.
    FunctionFailed,
    /// The function panicked.
    FunctionPanicked,
    /// On StateFun 2.x: the request lacks a state the function declares (2.x has no state
    /// negotiation; the states come from `module.yaml`).
    StateNotInRequest,
    /// On StateFun 2.x: the function used a feature the 2.x protocol cannot carry.
    Unsupported,
}

impl HandlerError {
    /// Which case this is.
    pub fn kind(&self) -> HandlerErrorKind {
        match *self.0 {
            HandlerErrorInner::InvalidRequest(_) => HandlerErrorKind::InvalidRequest,
            HandlerErrorInner::UnknownFunction { .. } => HandlerErrorKind::UnknownFunction,
            HandlerErrorInner::FunctionFailed { .. } => HandlerErrorKind::FunctionFailed,
            HandlerErrorInner::FunctionPanicked { .. } => HandlerErrorKind::FunctionPanicked,
            HandlerErrorInner::StatesNotInRequest { .. } => HandlerErrorKind::StateNotInRequest,
            HandlerErrorInner::Unsupported { .. } => HandlerErrorKind::Unsupported,
        }
    }
}

impl RequestReplyHandler {
    /// Starts registering functions.
    pub fn builder() -> HandlerBuilder {
        HandlerBuilder::default()
    }

    /// The function types served.
    pub fn function_types(&self) -> impl Iterator<Item = &TypeName> {
        self.registry.keys()
    }

    /// The function registered as `namespace/name`. Endpoints serve a few function types,
    /// and comparing with each beats building a key to hash.
    pub(crate) fn find(&self, namespace: &str, name: &str) -> Option<(&TypeName, &Registered)> {
        if self.registry.len() <= 8 {
            self.registry
                .iter()
                .find(|(typename, _)| typename.name() == name && typename.namespace() == namespace)
        } else {
            let key = TypeName::from_parts(namespace.into(), name.into());
            self.registry.get_key_value(&key)
        }
    }

    pub(crate) fn served(&self) -> String {
        let mut names: Vec<String> = self.registry.keys().map(|t| format!("`{t}`")).collect();
        names.sort();
        if names.is_empty() {
            "no function".to_owned()
        } else {
            names.join(", ")
        }
    }

    /// Handles one serialized `ToFunction`, answering a serialized `FromFunction`.
    ///
    /// When the request lacks a state the function declares, the answer lists every missing
    /// one (an `IncompleteInvocationContext`) and the function is not run. Otherwise the
    /// invocations run one after the other over one view of the state, and the answer holds
    /// all their effects. An error or panic of any invocation fails the whole request.
    pub async fn handle(&self, body: Bytes) -> Result<Bytes, HandlerError> {
        if self.protocol == Protocol::V2 {
            return crate::v2::handle(self, body).await;
        }
        crate::arena::recycle();
        let mut spare = Spare::take();
        let batch = wire::decode_to_function(
            &body,
            mem::take(&mut spare.states),
            mem::take(&mut spare.invocations),
        )?;
        let target = &batch.target;
        let Some((function, registered)) = self.find(target.namespace, target.name) else {
            return Err(HandlerErrorInner::UnknownFunction {
                requested: TypeName::from_parts(target.namespace.into(), target.name.into()),
                served: self.served(),
            }
            .into());
        };
        let span = tracing::info_span!(
            "statefun.request",
            function = %function,
            id = &*target.id,
            batch_size = batch.invocations.len(),
            outcome = tracing::field::Empty,
            latency_us = tracing::field::Empty,
        );
        // The clock is read only for a subscriber that sees the span.
        let started = (!span.is_disabled()).then(Instant::now);
        let outcome = match prepare(function, registered, &body, batch, &mut spare) {
            Prepared::Incomplete(answer) => Ok(Answer::Incomplete(answer)),
            Prepared::Run(mut ctx, mut invocations) => {
                let batch_size = invocations.len();
                let ran = registered.function.run_batch(&mut ctx, &mut invocations);
                // The future is boxed, so wrapping it moves a pointer; without a
                // subscriber the span is disabled and not even that is needed.
                let ran = if span.is_disabled() {
                    ran.await
                } else {
                    ran.instrument(span.clone()).await
                };
                finish(ctx, invocations, batch_size, ran, spare)
            }
        };
        span.record(
            "outcome",
            match &outcome {
                Ok(Answer::Result(_)) => "ok",
                Ok(Answer::Incomplete(_)) => "incomplete",
                Err(_) => "error",
            },
        );
        if let Some(started) = started {
            let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            span.record("latency_us", micros);
        }
        if let Err(error) = &outcome {
            tracing::warn!(parent: &span, %error, "request failed");
        }
        outcome.map(Answer::into_bytes)
    }
}

enum Answer {
    Result(Bytes),
    Incomplete(Bytes),
}

impl Answer {
    fn into_bytes(self) -> Bytes {
        match self {
            Answer::Result(bytes) | Answer::Incomplete(bytes) => bytes,
        }
    }
}

/// A batch ready to run, or the answer asking for missing states.
enum Prepared {
    Incomplete(Bytes),
    Run(Box<Context>, Invocations),
}

/// Matches the received states with the declared ones and sets up the context. The
/// context is boxed: it is large, and the request's future would otherwise copy it
/// around several times, which costs more than the allocation.
fn prepare(
    function: &TypeName,
    registered: &Registered,
    body: &[u8],
    batch: wire::Batch,
    spare: &mut Spare,
) -> Prepared {
    let wire::Batch {
        target,
        mut states,
        invocations,
    } = batch;
    // "Missing" means no entry at all; an entry without value is registered and empty.
    // When the runtime repeats a name, the last entry wins.
    let mut cells = mem::take(&mut spare.cells);
    cells.reserve(registered.declared.len());
    let mut missing = Vec::new();
    for declared in registered.declared.iter() {
        match states.take_last(body, declared.name.as_bytes()) {
            Some(entry) => cells.push(Cell::received(
                entry
                    .value
                    .filter(|v| v.has_value)
                    .map(|v| (v.typename, v.value)),
            )),
            None => {
                let (expire_mode, expire_after_millis) = declared.expiration.to_wire();
                missing.push(MissingSpec {
                    name: &declared.name,
                    typename: &declared.typename,
                    expire_mode,
                    expire_after_millis,
                });
            }
        }
    }
    spare.states = states.into_buffer();
    if !missing.is_empty() {
        return Prepared::Incomplete(wire::encode_incomplete_context(&missing));
    }
    let storage = Storage::new(
        // The registered name rather than the request's: usually static, so cloning it
        // does not touch the request buffer's reference count.
        function.clone(),
        registered.declared.clone(),
        cells,
    );
    let effects = Effects {
        messages: mem::take(&mut spare.messages),
        delayed: Vec::new(),
        egress: mem::take(&mut spare.egress),
    };
    let address = Address::from_parts(function.clone(), target.id);
    let ctx = Box::new(Context::new(address, storage, invocations.len(), effects));
    Prepared::Run(ctx, invocations)
}

/// The answer to a batch that ran, and the buffers back to the thread's spares.
fn finish(
    mut ctx: Box<Context>,
    invocations: Invocations,
    batch_size: usize,
    ran: Result<(), InvocationFailure>,
    mut spare: Spare,
) -> Result<Answer, HandlerError> {
    if let Err(failure) = ran {
        return Err(batch_failure(ctx.address().clone(), batch_size, failure));
    }
    let (storage, effects) = ctx.parts();
    let answer = ResponseWriter::invocation_response(effects, storage.mutations());
    spare.invocations = invocations.into_buffer();
    spare.cells = ctx.storage().take_cells();
    spare.messages = mem::take(&mut ctx.effects.messages);
    spare.egress = mem::take(&mut ctx.effects.egress);
    spare.put_back();
    Ok(Answer::Result(answer))
}

/// The error of a batch whose function failed or panicked.
pub(crate) fn batch_failure(
    address: Address,
    batch_size: usize,
    failure: InvocationFailure,
) -> HandlerError {
    match failure {
        InvocationFailure::Failed { index, error } => HandlerErrorInner::FunctionFailed {
            address,
            index,
            batch: batch_size,
            error,
        },
        InvocationFailure::Panicked { index, message } => HandlerErrorInner::FunctionPanicked {
            address,
            index,
            batch: batch_size,
            message,
        },
    }
    .into()
}

impl fmt::Debug for RequestReplyHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestReplyHandler")
            .field("functions", &self.served())
            .field("protocol", &self.protocol)
            .finish()
    }
}
