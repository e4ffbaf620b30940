//! One call to a function: attempts with exponential backoff within the call budget.

use std::time::Duration;

use bytes::Bytes;
use prost::Message;
use statefun_protocol::{Address, FromFunction};
use tokio::time::Instant;

use crate::error::{Error, Repr};
use crate::transport::{FunctionTransport, TransportError};

/// The first backoff; it doubles after every failed attempt, as in StateFun's async transport.
const FIRST_BACKOFF: Duration = Duration::from_millis(2);
/// Below this much budget no attempt is worth starting.
const MIN_ATTEMPT: Duration = Duration::from_millis(1);

/// Sends `request` until the function gives a decodable answer or `budget` runs out. Every
/// attempt sends the very same bytes, so a batch is never altered by a retry.
pub(crate) async fn call_with_retries(
    transport: &dyn FunctionTransport,
    target: &Address,
    request: Bytes,
    budget: Duration,
) -> Result<FromFunction, Error> {
    let deadline = Instant::now() + budget;
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let cause = match attempt(transport, target, request.clone(), remaining).await {
            Ok(response) => return Ok(response),
            Err(cause) => cause,
        };
        let backoff = FIRST_BACKOFF.saturating_mul(1 << (attempts - 1).min(20));
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining < backoff + MIN_ATTEMPT {
            return Err(Repr::CallFailed {
                address: target.clone(),
                attempts,
                budget,
                cause,
            }
            .into());
        }
        tracing::warn!(%target, attempts, ?backoff, "call failed, retrying: {cause}");
        tokio::time::sleep(backoff).await;
    }
}

async fn attempt(
    transport: &dyn FunctionTransport,
    target: &Address,
    request: Bytes,
    within: Duration,
) -> Result<FromFunction, TransportError> {
    // On a task of its own, so a transport that panics fails this attempt instead of
    // leaving the address in flight forever.
    let call = tokio::spawn(transport.call(target, request));
    let abort = call.abort_handle();
    let body = match tokio::time::timeout(within, call).await {
        Ok(Ok(outcome)) => outcome?,
        Ok(Err(join_error)) => {
            return Err(TransportError::request(format!(
                "the transport panicked: {join_error}"
            )));
        }
        Err(_) => {
            abort.abort();
            return Err(TransportError::timeout(within));
        }
    };
    FromFunction::decode(body).map_err(TransportError::decode)
}
