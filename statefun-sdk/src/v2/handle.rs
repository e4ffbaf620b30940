//! Serving one 2.x request: the same functions, contexts and effects as 3.x, with the 2.x
//! codec and the request's states instead of declared ones.

use std::cell::Cell;
use std::mem;

use bytes::Bytes;
use tracing::Instrument as _;

use super::decode;
use super::encode::{self, Unsupported};
use super::state::{Slot, StateTable};
use crate::effects::Effects;
use crate::handler::{HandlerErrorInner, RequestReplyHandler, batch_failure};
use crate::spare::Spare;
use crate::storage::Storage;
use crate::wire::Invocations;
use crate::{Address, Context, HandlerError, TypeName};

thread_local! {
    /// The state slots of the thread's last request, emptied, for the next one.
    static SLOTS: Cell<Vec<Slot>> = const { Cell::new(Vec::new()) };
}

pub(crate) async fn handle(
    handler: &RequestReplyHandler,
    body: Bytes,
) -> Result<Bytes, HandlerError> {
    crate::arena::recycle();
    let mut spare = Spare::take();
    let batch = decode::decode_to_function(
        &body,
        SLOTS.with(Cell::take),
        mem::take(&mut spare.invocations),
    )?;
    let target = &batch.target;
    let Some((function, registered)) = handler.find(target.namespace, target.name) else {
        return Err(HandlerErrorInner::UnknownFunction {
            requested: TypeName::from_parts(target.namespace.into(), target.name.into()),
            served: handler.served(),
        }
        .into());
    };
    let address = Address::from_parts(function.clone(), target.id.clone());
    let span = tracing::info_span!(
        "statefun.request",
        function = %function,
        id = &*target.id,
        batch_size = batch.invocations.len(),
        protocol = "2.x",
        outcome = tracing::field::Empty,
    );
    let decode::Batch {
        state, invocations, ..
    } = batch;
    let table = StateTable::new(function.clone(), state);
    let missing: Vec<&str> = registered
        .declared
        .iter()
        .map(|declared| &*declared.name)
        .filter(|name| !table.has(name))
        .collect();
    if !missing.is_empty() {
        let error: HandlerError = HandlerErrorInner::StatesNotInRequest {
            address,
            names: missing.join("`, `"),
        }
        .into();
        span.record("outcome", "error");
        tracing::warn!(parent: &span, %error, "request failed");
        return Err(error);
    }
    let batch_size = invocations.len();
    let mut invocations = Invocations::decoded(invocations);
    let storage =
        Storage::with_request_states(function.clone(), registered.declared.clone(), table);
    let effects = Effects {
        messages: mem::take(&mut spare.messages),
        delayed: Vec::new(),
        egress: mem::take(&mut spare.egress),
    };
    let mut ctx = Box::new(Context::new(address, storage, batch_size, effects));
    ctx.any_payloads = true;
    let ran = registered.function.run_batch(&mut ctx, &mut invocations);
    let ran = if span.is_disabled() {
        ran.await
    } else {
        ran.instrument(span.clone()).await
    };
    let outcome = match ran {
        Err(failure) => Err(batch_failure(ctx.address().clone(), batch_size, failure)),
        Ok(()) => {
            let (storage, effects) = ctx.parts();
            let slots = storage.request_states().map(StateTable::slots);
            encode::invocation_response(effects, slots.unwrap_or_default()).map_err(
                |Unsupported::CancellationToken| {
                    HandlerErrorInner::Unsupported {
                        address: ctx.address().clone(),
                        feature: "cancellation tokens of delayed messages (StateFun 3.1+)",
                    }
                    .into()
                },
            )
        }
    };
    span.record("outcome", if outcome.is_ok() { "ok" } else { "error" });
    if let Err(error) = &outcome {
        tracing::warn!(parent: &span, %error, "request failed");
    }
    if let Some(table) = ctx.storage().take_request_states() {
        let mut slots = table.into_slots();
        slots.clear();
        if slots.capacity() <= 1024 {
            SLOTS.with(|spare| spare.set(slots));
        }
    }
    spare.invocations = invocations.into_buffer();
    spare.messages = mem::take(&mut ctx.effects.messages);
    spare.egress = mem::take(&mut ctx.effects.egress);
    spare.put_back();
    outcome
}
