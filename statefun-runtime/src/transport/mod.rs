//! How the engine reaches a function: send `ToFunction` bytes, get `FromFunction` bytes back
//! or a typed failure. The engine retries failures; a transport makes one attempt.

mod error;
mod http;
mod http1;
mod response;
mod service;
mod tls;
mod url;

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use statefun_protocol::Address;

pub use error::{BoxError, TransportError, TransportErrorKind};
pub use http::{HttpTransport, HttpTransportConfig};
#[cfg(feature = "fuzzing")]
pub(crate) use http1::response_reads_as_hyper as http1_response_reads_as_hyper;
pub use response::read_response;
pub use service::ServiceTransport;
pub use tls::TlsConfigError;
pub use url::{UrlTemplate, UrlTemplateError};

/// What one call of a [`FunctionTransport`] resolves to.
pub type CallFuture = Pin<Box<dyn Future<Output = Result<Bytes, TransportError>> + Send>>;

/// One attempt at delivering a serialized `ToFunction` to the function at `target` and
/// reading its serialized `FromFunction`.
///
/// The engine decodes the answer, retries failed attempts with the same bytes and bounds
/// each attempt by the remaining call budget, so an implementation needs none of that.
///
/// ```
/// use bytes::Bytes;
/// use statefun_runtime::transport::{CallFuture, FunctionTransport};
/// use statefun_runtime::protocol::Address;
///
/// /// Answers every batch with an empty `InvocationResponse`.
/// struct NoEffects;
///
/// impl FunctionTransport for NoEffects {
///     fn call(&self, _target: &Address, _request: Bytes) -> CallFuture {
///         Box::pin(async { Ok(Bytes::from_static(&[0xA2, 0x06, 0x00])) })
///     }
/// }
/// ```
pub trait FunctionTransport: Send + Sync + 'static {
    /// Sends `request` for the function instance `target`.
    fn call(&self, target: &Address, request: Bytes) -> CallFuture;
}
