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
