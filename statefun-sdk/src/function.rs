use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::FutureExt as _;
use tracing::Instrument as _;

use crate::types::Type;
use crate::value_spec::DeclaredState;
use crate::wire::Invocations;
use crate::{Context, Error, Message, TypeName, ValueSpec};

/// A function with its own data (clients, configuration, …). For a function without,
/// a plain `async fn` is simpler: see [`FunctionSpec::new`].
///
/// ```
/// use std::sync::Arc;
/// use statefun_sdk::{Context, Error, FunctionSpec, Message, StatefulFunction, TypeName};
///
/// struct Greeter {
///     greeting: Arc<str>,
/// }
///
/// impl StatefulFunction for Greeter {
///     async fn invoke(&self, ctx: &mut Context, message: Message) -> Result<(), Error> {
///         let name = message.as_string()?;
///         println!("{} {name} from {}", self.greeting, ctx.address());
///         Ok(())
///     }
/// }
///
/// let spec = FunctionSpec::from_function(
///     TypeName::from_static("example/greeter"),
///     Greeter { greeting: "Hello".into() },
/// );
/// ```
pub trait StatefulFunction: Send + Sync + 'static {
    /// Handles one message. An error (or a panic) fails the whole batch.
    fn invoke(
        &self,
        ctx: &mut Context,
        message: Message,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// Implemented by every `async fn(&mut Context, Message) -> Result<(), Error>` whose future
/// is `Send`; lets [`FunctionSpec::new`] take such functions directly.
pub trait AsyncFunction<'a>: Send + Sync + 'static {
    /// The future the function returns.
    type Future: Future<Output = Result<(), Error>> + Send + 'a;

    /// Calls the function.
    fn call(&self, ctx: &'a mut Context, message: Message) -> Self::Future;
}

impl<'a, F, Fut> AsyncFunction<'a> for F
where
    F: Fn(&'a mut Context, Message) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Error>> + Send + 'a,
{
    type Future = Fut;

    fn call(&self, ctx: &'a mut Context, message: Message) -> Fut {
        self(ctx, message)
    }
}

struct FromAsyncFn<F>(F);

impl<F: for<'a> AsyncFunction<'a>> StatefulFunction for FromAsyncFn<F> {
    fn invoke(
        &self,
        ctx: &mut Context,
        message: Message,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        self.0.call(ctx, message)
    }
}

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a batch stopped: the invocation at `index` failed or panicked.
#[derive(Debug)]
pub(crate) enum InvocationFailure {
    Failed { index: usize, error: Error },
    Panicked { index: usize, message: String },
}

/// A function behind a pointer: one allocation per batch, none per invocation, since the
/// whole loop over the batch is monomorphized for each function.
pub(crate) trait ErasedFunction: Send + Sync {
    /// Runs the `invocations`, taking each in turn.
    fn run_batch<'a>(
        &'a self,
        ctx: &'a mut Context,
        invocations: &'a mut Invocations,
    ) -> BoxFuture<'a, Result<(), InvocationFailure>>;
}

struct Erased<S>(S);

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a non-string payload".to_owned())
}

impl<S: StatefulFunction> ErasedFunction for Erased<S> {
    fn run_batch<'a>(
        &'a self,
        ctx: &'a mut Context,
        invocations: &'a mut Invocations,
    ) -> BoxFuture<'a, Result<(), InvocationFailure>> {
        Box::pin(async move {
            let mut index = 0;
            while let Some(invocation) = invocations.next() {
                let span = tracing::debug_span!(
                    "statefun.invocation",
                    index,
                    caller = invocation.caller.as_ref().map(tracing::field::display),
                );
                ctx.caller = invocation.caller;
                let message = if ctx.any_payloads {
                    Message::from_any_view(invocation.argument)
                } else {
                    Message::from_view(invocation.argument)
                };
                // A panic is contained here: the batch fails, the server goes on. Nothing of
                // the batch is answered, so no half-applied state can leak out of it.
                let outcome = AssertUnwindSafe(self.0.invoke(ctx, message))
                    .catch_unwind()
                    .instrument(span)
                    .await;
                match outcome {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => return Err(InvocationFailure::Failed { index, error }),
                    Err(payload) => {
                        return Err(InvocationFailure::Panicked {
                            index,
                            message: panic_message(&*payload),
                        });
                    }
                }
                index += 1;
            }
            Ok(())
        })
    }
}

/// A function type to register: its typename, the function and the states it declares.
///
/// ```
/// use statefun_sdk::types::IntType;
/// use statefun_sdk::{Context, Error, FunctionSpec, Message, TypeName, ValueSpec};
///
/// static SEEN: ValueSpec<IntType> = ValueSpec::new("seen", IntType);
///
/// async fn counter(ctx: &mut Context, _message: Message) -> Result<(), Error> {
///     let seen = ctx.storage().get(&SEEN)?.unwrap_or(0);
///     ctx.storage().set(&SEEN, seen + 1)?;
///     Ok(())
/// }
///
/// let spec = FunctionSpec::new(TypeName::from_static("example/counter"), counter).with_state(&SEEN);
/// assert_eq!(spec.typename().to_string(), "example/counter");
/// ```
#[derive(Clone)]
pub struct FunctionSpec {
    pub(crate) typename: TypeName,
    pub(crate) states: Vec<DeclaredState>,
    pub(crate) function: Arc<dyn ErasedFunction>,
}

impl FunctionSpec {
    /// The function type `typename`, served by the `async fn` `function`.
    pub fn new<F>(typename: TypeName, function: F) -> Self
    where
        F: for<'a> AsyncFunction<'a>,
    {
        Self::from_function(typename, FromAsyncFn(function))
    }

    /// The function type `typename`, served by `function`.
    pub fn from_function(typename: TypeName, function: impl StatefulFunction) -> Self {
        FunctionSpec {
            typename,
            states: Vec::new(),
            function: Arc::new(Erased(function)),
        }
    }

    /// Declares a persisted value. The order of declaration is the order in which the
    /// runtime is told about missing values and receives mutations.
    pub fn with_state<T: Type>(mut self, spec: &ValueSpec<T>) -> Self {
        self.states.push(DeclaredState::from(spec));
        self
    }

    /// The function type.
    pub fn typename(&self) -> &TypeName {
        &self.typename
    }
}

impl fmt::Debug for FunctionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionSpec")
            .field("typename", &self.typename)
            .field("states", &self.states)
            .finish()
    }
}
