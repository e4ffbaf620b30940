//! StateFun 2.x remote functions: the `google.protobuf.Any`-based protocol of StateFun 2.0
//! to 2.2, spoken to the functions of a 2.x module (see [`config`](crate::config)).
//!
//! The engine keeps speaking its own protocol; a [`V2Transport`] translates each call at
//! the edge, so batching, state, delays, expiry and egress work the same for both
//! generations:
//!
//! - every state the module declares for the function is attached to every request, with
//!   its last stored bytes (a serialized `Any`) or no value; the function cannot ask for
//!   others. The engine registers the declared states itself before the first call, with
//!   the module's expiration (`expireAfter`, `expireMode`);
//! - arguments are `Any`s whose type URL is the message's typename, with no caller for an
//!   ingress message;
//! - a `MODIFY` stores the mutation's bytes, a `DELETE` clears the state; outgoing and
//!   delayed messages get the function as their caller; egress messages are routed by
//!   their egress id, 2.x Kafka and Kinesis records (any type URL prefix) becoming the
//!   records the egresses take.
//!
//! ```
//! use statefun_runtime::v2::{self, StateDecl};
//! use statefun_runtime::transport::{HttpTransport, HttpTransportConfig, UrlTemplate};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let url = UrlTemplate::new("http://127.0.0.1:8000/statefun").unwrap();
//! let http = HttpTransport::new(url, HttpTransportConfig::default()).unwrap();
//! let endpoint = v2::endpoint(http, vec![StateDecl::new("seen_count")]);
//! # let _ = endpoint;
//! # });
//! ```

mod request;
mod response;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use statefun_protocol::Address;

use crate::Endpoint;
use crate::transport::{CallFuture, FunctionTransport, TransportError};

/// The typename the engine keeps a 2.x state under: its bytes are a serialized `Any`.
pub const STATE_TYPENAME: &str = "io.statefun.v2/serialized-any";

/// When a 2.x state's time to live restarts (`expireMode`, StateFun 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpireMode {
    /// `after-invoke` (the default): on every call of the function.
    #[default]
    AfterInvoke,
    /// `after-write`: when the state is written.
    AfterWrite,
}

/// A state a 2.x function declares in `module.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StateDecl {
    /// `name`.
    pub name: String,
    /// `expireAfter`; `None` keeps the state forever.
    pub expire_after: Option<Duration>,
    /// `expireMode`.
    pub expire_mode: ExpireMode,
}

impl StateDecl {
    /// A state kept forever.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            expire_after: None,
            expire_mode: ExpireMode::AfterInvoke,
        }
    }

    /// The state expires `after` its last use of kind `mode`.
    pub fn expiring(mut self, after: Duration, mode: ExpireMode) -> Self {
        self.expire_after = Some(after);
        self.expire_mode = mode;
        self
    }
}

/// Calls a 2.x function through `inner`, translating each request and answer.
#[derive(Debug, Clone)]
pub struct V2Transport<T> {
    inner: T,
    states: Arc<[StateDecl]>,
}

impl<T> V2Transport<T> {
    /// The function behind `inner` declares `states` in its module.
    pub fn new(inner: T, states: Vec<StateDecl>) -> Self {
        Self {
            inner,
            states: states.into(),
        }
    }
}

impl<T: FunctionTransport> FunctionTransport for V2Transport<T> {
    fn call(&self, target: &Address, request: Bytes) -> CallFuture {
        match request::translate(&request, &self.states) {
            Err(error) => Box::pin(std::future::ready(Err(TransportError::request(error)))),
            Ok(request::Translated::Register(answer)) => Box::pin(std::future::ready(Ok(answer))),
            Ok(request::Translated::Call(body)) => {
                let call = self.inner.call(target, body);
                Box::pin(async move {
                    let answer = call.await?;
                    response::translate(&answer).map_err(TransportError::decode)
                })
            }
        }
    }
}

/// An endpoint calling a 2.x function through `transport`, with StateFun's default limits.
pub fn endpoint(transport: impl FunctionTransport, states: Vec<StateDecl>) -> Endpoint {
    Endpoint::new(V2Transport::new(transport, states))
}

#[cfg(test)]
mod tests {
    use prost::Message as _;
    use statefun_protocol::from_function::Response;
    use statefun_protocol::to_function::{
        Invocation, InvocationBatchRequest, PersistedValue, Request,
    };
    use statefun_protocol::v2::polyglot as v2;
    use statefun_protocol::{FromFunction, ToFunction, TypedValue};

    use super::*;

    fn engine_request(states: Vec<PersistedValue>) -> Bytes {
        ToFunction {
            request: Some(Request::Invocation(InvocationBatchRequest {
                target: Some(Address::new("example", "greeter", "bob")),
                state: states,
                invocations: vec![Invocation {
                    caller: None,
                    argument: Some(TypedValue::new(
                        "com.googleapis/example.GreetRequest",
                        b"\x0a\x03Bob".to_vec(),
                    )),
                }],
            })),
        }
        .encode_to_vec()
        .into()
    }

    fn declared() -> Vec<StateDecl> {
        vec![
            StateDecl::new("seen").expiring(Duration::from_secs(60), ExpireMode::AfterWrite),
            StateDecl::new("other"),
        ]
    }

    #[test]
    fn missing_declared_states_are_registered_before_the_first_call() {
        let request::Translated::Register(answer) =
            request::translate(&engine_request(vec![]), &declared()).unwrap()
        else {
            panic!("the engine must register the states first");
        };
        let Some(Response::IncompleteInvocationContext(context)) =
            FromFunction::decode(answer).unwrap().response
        else {
            panic!("an incomplete invocation context");
        };
        let names: Vec<_> = context
            .missing_values
            .iter()
            .map(|s| s.state_name.as_str())
            .collect();
        assert_eq!(names, ["seen", "other"]);
        let seen = &context.missing_values[0];
        assert_eq!(seen.type_typename, STATE_TYPENAME);
        assert_eq!(seen.expiration_spec.unwrap().expire_after_millis, 60_000);
        assert!(context.missing_values[1].expiration_spec.is_none());
    }

    #[test]
    fn the_2x_request_carries_exactly_the_declared_states() {
        let states = vec![
            PersistedValue {
                state_name: "other".into(),
                state_value: None,
            },
            PersistedValue {
                state_name: "retired".into(),
                state_value: Some(TypedValue::new(STATE_TYPENAME, b"old".to_vec())),
            },
            PersistedValue {
                state_name: "seen".into(),
                state_value: Some(TypedValue::new(STATE_TYPENAME, b"\x0a\x01a".to_vec())),
            },
        ];
        let request::Translated::Call(body) =
            request::translate(&engine_request(states), &declared()).unwrap()
        else {
            panic!("a call");
        };
        let Some(v2::to_function::Request::Invocation(batch)) =
            v2::ToFunction::decode(body).unwrap().request
        else {
            panic!("a 2.x batch");
        };
        let states: Vec<_> = batch
            .state
            .iter()
            .map(|s| (s.state_name.as_str(), &s.state_value[..]))
            .collect();
        assert_eq!(states, [("seen", &b"\x0a\x01a"[..]), ("other", &b""[..])]);
        let argument = batch.invocations[0].argument.clone().unwrap();
        assert_eq!(argument.type_url, "com.googleapis/example.GreetRequest");
        assert!(batch.invocations[0].caller.is_none());
    }

    #[test]
    fn answers_become_the_engines_effects() {
        use v2::from_function::persisted_value_mutation::MutationType;
        let answer = v2::FromFunction {
            response: Some(v2::from_function::Response::InvocationResult(
                v2::from_function::InvocationResponse {
                    state_mutations: vec![
                        v2::from_function::PersistedValueMutation {
                            mutation_type: MutationType::Modify as i32,
                            state_name: "seen".into(),
                            state_value: Bytes::from_static(b"any"),
                        },
                        v2::from_function::PersistedValueMutation {
                            mutation_type: MutationType::Delete as i32,
                            state_name: "other".into(),
                            state_value: Bytes::new(),
                        },
                    ],
                    outgoing_egresses: vec![v2::from_function::EgressMessage {
                        egress_namespace: "example".into(),
                        egress_type: "kafka".into(),
                        argument: Some(prost_types::Any {
                            type_url:
                                "any.prefix/org.apache.flink.statefun.flink.io.KafkaProducerRecord"
                                    .into(),
                            value: vec![0x1A, 1, b't'],
                        }),
                    }],
                    ..Default::default()
                },
            )),
        };
        let engine = response::translate(&answer.encode_to_vec()).unwrap();
        let Some(Response::InvocationResult(result)) =
            FromFunction::decode(engine).unwrap().response
        else {
            panic!("a result");
        };
        assert_eq!(
            result.state_mutations[0]
                .state_value
                .as_ref()
                .unwrap()
                .value[..],
            *b"any"
        );
        assert!(result.state_mutations[1].state_value.is_none());
        assert_eq!(
            result.outgoing_egresses[0]
                .argument
                .as_ref()
                .unwrap()
                .typename,
            "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord"
        );
        // A function that did nothing may answer zero bytes.
        let empty = response::translate(&[]).unwrap();
        assert!(matches!(
            FromFunction::decode(empty).unwrap().response,
            Some(Response::InvocationResult(_))
        ));
        assert!(response::translate(&[0xA2, 0x06, 0x05]).is_err());
    }
}
