use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use prost::Message;
use statefun_protocol::from_function::expiration_spec::ExpireMode;
use statefun_protocol::from_function::persisted_value_mutation::MutationType;
use statefun_protocol::from_function::{
    DelayedInvocation, EgressMessage, ExpirationSpec, IncompleteInvocationContext,
    Invocation as Outgoing, InvocationResponse, PersistedValueMutation, PersistedValueSpec,
    Response,
};
use statefun_protocol::to_function::Request;
use statefun_protocol::{Address, CONTENT_TYPE, FromFunction, ToFunction, TypedValue};

type Handler = Arc<dyn Fn(&mut Context, &TypedValue) + Send + Sync>;

struct Function {
    specs: Vec<PersistedValueSpec>,
    handler: Handler,
}

/// What one invocation sees and does.
pub struct Context {
    pub address: Address,
    pub caller: Option<Address>,
    values: HashMap<String, Option<TypedValue>>,
    typenames: HashMap<String, String>,
    changed: BTreeSet<String>,
    response: InvocationResponse,
}

impl Context {
    pub fn get(&self, state: &str) -> Option<TypedValue> {
        self.values.get(state).cloned().flatten()
    }

    pub fn set(&mut self, state: &str, value: TypedValue) {
        assert_eq!(value.typename, self.typenames[state], "test function bug");
        self.values.insert(state.to_owned(), Some(value));
        self.changed.insert(state.to_owned());
    }

    pub fn delete(&mut self, state: &str) {
        self.values.insert(state.to_owned(), None);
        self.changed.insert(state.to_owned());
    }

    pub fn send(&mut self, target: Address, argument: TypedValue) {
        self.response.outgoing_messages.push(Outgoing {
            target: Some(target),
            argument: Some(argument),
        });
    }

    pub fn send_after(
        &mut self,
        delay_ms: i64,
        target: Address,
        argument: TypedValue,
        token: &str,
    ) {
        self.response.delayed_invocations.push(DelayedInvocation {
            is_cancellation_request: false,
            cancellation_token: token.to_owned(),
            delay_in_ms: delay_ms,
            target: Some(target),
            argument: Some(argument),
        });
    }

    pub fn cancel(&mut self, token: &str) {
        self.response.delayed_invocations.push(DelayedInvocation {
            is_cancellation_request: true,
            cancellation_token: token.to_owned(),
            ..Default::default()
        });
    }

    pub fn egress(&mut self, id: &str, argument: TypedValue) {
        let (namespace, r#type) = id.split_once('/').unwrap();
        self.response.outgoing_egresses.push(EgressMessage {
            egress_namespace: namespace.to_owned(),
            egress_type: r#type.to_owned(),
            argument: Some(argument),
        });
    }

    /// Adds a raw mutation, bypassing the storage view (to test the runtime's checks).
    pub fn raw_mutation(&mut self, mutation: PersistedValueMutation) {
        self.response.state_mutations.push(mutation);
    }
}

/// A set of functions by type, like an SDK's function registry.
#[derive(Clone, Default)]
pub struct Functions {
    functions: Arc<Mutex<HashMap<String, Arc<Function>>>>,
    requests: Arc<Mutex<Vec<ToFunction>>>,
}

pub fn spec(name: &str, typename: &str) -> PersistedValueSpec {
    PersistedValueSpec {
        state_name: name.to_owned(),
        type_typename: typename.to_owned(),
        expiration_spec: None,
    }
}

pub fn spec_with_ttl(
    name: &str,
    typename: &str,
    mode: ExpireMode,
    millis: i64,
) -> PersistedValueSpec {
    PersistedValueSpec {
        state_name: name.to_owned(),
        type_typename: typename.to_owned(),
        expiration_spec: Some(ExpirationSpec {
            mode: mode as i32,
            expire_after_millis: millis,
        }),
    }
}

impl Functions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` for the function type `typename` with the state `specs`.
    pub fn with(
        self,
        typename: &str,
        specs: Vec<PersistedValueSpec>,
        handler: impl Fn(&mut Context, &TypedValue) + Send + Sync + 'static,
    ) -> Self {
        self.functions.lock().unwrap().insert(
            typename.to_owned(),
            Arc::new(Function {
                specs,
                handler: Arc::new(handler),
            }),
        );
        self
    }

    /// Every request handled so far.
    pub fn requests(&self) -> Vec<ToFunction> {
        self.requests.lock().unwrap().clone()
    }

    /// Handles one serialized `ToFunction` as an SDK would.
    pub fn handle(&self, body: Bytes) -> Bytes {
        let request = ToFunction::decode(body).expect("the runtime sent a valid ToFunction");
        self.requests.lock().unwrap().push(request.clone());
        let Some(Request::Invocation(batch)) = request.request else {
            panic!("a request without invocations");
        };
        let address = batch.target.expect("a batch has a target");
        let function = self.functions.lock().unwrap()[&address.typename()].clone();
        let mut values = HashMap::new();
        for state in batch.state {
            values.insert(
                state.state_name,
                state.state_value.filter(TypedValue::is_present),
            );
        }
        let missing: Vec<_> = function
            .specs
            .iter()
            .filter(|spec| !values.contains_key(&spec.state_name))
            .cloned()
            .collect();
        let response = if missing.is_empty() {
            let mut context = Context {
                address,
                caller: None,
                values,
                typenames: function
                    .specs
                    .iter()
                    .map(|spec| (spec.state_name.clone(), spec.type_typename.clone()))
                    .collect(),
                changed: BTreeSet::new(),
                response: InvocationResponse::default(),
            };
            for invocation in batch.invocations {
                context.caller = invocation.caller.filter(|caller| !caller.is_empty());
                (function.handler)(&mut context, &invocation.argument.unwrap_or_default());
            }
            for state in std::mem::take(&mut context.changed) {
                let mutation = match context.values[&state].clone() {
                    Some(value) => PersistedValueMutation {
                        mutation_type: MutationType::Modify as i32,
                        state_name: state,
                        state_value: Some(value),
                    },
                    None => PersistedValueMutation {
                        mutation_type: MutationType::Delete as i32,
                        state_name: state,
                        state_value: None,
                    },
                };
                context.response.state_mutations.push(mutation);
            }
            Response::InvocationResult(context.response)
        } else {
            Response::IncompleteInvocationContext(IncompleteInvocationContext {
                missing_values: missing,
            })
        };
        Bytes::from(
            FromFunction {
                response: Some(response),
            }
            .encode_to_vec(),
        )
    }

    /// The functions as an in-process tower service.
    pub fn service(
        &self,
    ) -> impl tower::Service<
        http::Request<Full<Bytes>>,
        Response = http::Response<Full<Bytes>>,
        Error = std::convert::Infallible,
        Future = impl Send,
    > + Clone
    + Send
    + Sync
    + 'static {
        let functions = self.clone();
        tower::service_fn(move |request: http::Request<Full<Bytes>>| {
            let functions = functions.clone();
            async move {
                use http_body_util::BodyExt;
                let body = request.into_body().collect().await.unwrap().to_bytes();
                Ok(ok_response(functions.handle(body)))
            }
        })
    }
}

pub fn ok_response(body: Bytes) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .header(http::header::CONTENT_TYPE, CONTENT_TYPE)
        .body(Full::new(body))
        .unwrap()
}
