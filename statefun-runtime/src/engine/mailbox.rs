//! Per-address mailboxes: one request in flight, the invocations that arrive meanwhile
//! queued behind it and sent as the next batch, and what a response does to them.
//!
//! Invocations are encoded (as `InvocationBatchRequest.invocations` entries) when they are
//! queued, so a batch is sent by copying bytes, and a request is never re-encoded from
//! prost structs: its invocations stay in it for a resend or the delivery record.

use std::collections::hash_map::Entry;
use std::mem;
use std::sync::Arc;

use bytes::Bytes;
use prost::Message;
use statefun_protocol::from_function::IncompleteInvocationContext;
use statefun_protocol::to_function::InvocationBatchRequest;
use tokio::time::Instant;

use super::address_key::AddressKey;
use super::call::Call;
use super::decode::{Argument, Effects, Messages};
use super::encode::{self, InvocationEntry, Payload};
use super::endpoint::Endpoint;
use super::response::{DelayedAction, Plan};
use super::state::StateStore;
use super::{DeliveredBatch, Engine, Shared};
use crate::error::{Error, Repr};

pub(crate) struct Mailbox {
    endpoint: Arc<Endpoint>,
    /// How many registered states the request in flight carried: a function may only
    /// call those missing if it is confused, while states registered after the request was
    /// sent (by another address of the same type) are legitimately missing from it.
    sent_states: usize,
    /// Invocation entries waiting behind the request in flight, and how many there are.
    backlog: Vec<u8>,
    backlog_len: usize,
    blocked: bool,
}

impl Mailbox {
    pub fn backlog_len(&self) -> usize {
        self.backlog_len
    }
}

impl Engine {
    /// Queues an invocation for `target`: sent at once if the address is idle, else added
    /// to its backlog.
    pub(super) fn enqueue(
        &mut self,
        target: AddressKey,
        endpoint: &Arc<Endpoint>,
        invocation: InvocationEntry<'_>,
        now: Instant,
    ) {
        // One lookup whether the address is busy or idle.
        let idle = match self.mailboxes.entry(target) {
            Entry::Occupied(mut busy) => {
                let mailbox = busy.get_mut();
                invocation.put(&mut mailbox.backlog);
                mailbox.backlog_len += 1;
                let at_limit = mailbox
                    .endpoint
                    .max_backlog()
                    .is_some_and(|limit| mailbox.backlog_len >= limit);
                if at_limit && !mailbox.blocked {
                    mailbox.blocked = true;
                    self.blocked += 1;
                }
                return;
            }
            Entry::Vacant(idle) => idle,
        };
        let mut mailbox = Mailbox {
            endpoint: Arc::clone(endpoint),
            sent_states: 0,
            backlog: Vec::new(),
            backlog_len: 0,
            blocked: false,
        };
        self.entries_scratch.clear();
        invocation.put(&mut self.entries_scratch);
        send_batch(
            &mut self.states,
            &mut self.states_scratch,
            &mut self.start,
            idle.key(),
            &mut mailbox,
            &self.entries_scratch,
            now,
        );
        idle.insert(mailbox);
    }

    /// Registers the states a function reported missing and sends `call`'s invocations
    /// again.
    pub(super) fn register_and_resend(
        &mut self,
        call: &Call,
        context: IncompleteInvocationContext,
    ) -> Result<(), Error> {
        self.observe.incomplete(call, Instant::now());
        let target = &call.target;
        let Some(mailbox) = self.mailboxes.get_mut(target) else {
            return Ok(());
        };
        let reported_sent_states_missing = context.missing_values.iter().any(|spec| {
            self.states
                .was_sent(target, &spec.state_name, mailbox.sent_states)
        });
        let added = self.states.register(target, &context.missing_values)?;
        if reported_sent_states_missing || (added == 0 && context.missing_values.is_empty()) {
            return Err(Repr::MissingStatesLoop {
                address: target.to_address(),
                states: context
                    .missing_values
                    .into_iter()
                    .map(|spec| spec.state_name)
                    .collect(),
            }
            .into());
        }
        tracing::debug!(
            ?target,
            added,
            "registered missing states, sending the batch again"
        );
        send_batch(
            &mut self.states,
            &mut self.states_scratch,
            &mut self.start,
            target,
            mailbox,
            call.invocations(),
            Instant::now(),
        );
        Ok(())
    }

    /// Applies the response to `call` and sends what waits behind it.
    pub(super) fn apply_and_continue(
        &mut self,
        shared: &Arc<Shared>,
        call: &Call,
        mut effects: Effects,
    ) -> Result<(), Error> {
        let target = &call.target;
        let now = Instant::now();
        let plan = self.check_response(target, &mut effects, now)?;
        let targets = effects
            .messages
            .iter_mut()
            .filter_map(|m| m.target.as_ref());
        self.observe.answered(call, targets, now);
        self.apply(shared, target, effects.body, effects.messages, plan, now);
        if let Some(delivered) = &mut self.delivered {
            let invocations = InvocationBatchRequest::decode(call.invocations())
                .expect("the engine encodes the invocations it sends")
                .invocations;
            delivered.push(DeliveredBatch {
                target: target.to_address(),
                invocations,
            });
        }
        // Taken out, and put back only if a backlog waits: one lookup for an idle address.
        let Some((key, mut mailbox)) = self.mailboxes.remove_entry(target) else {
            return Ok(());
        };
        if mailbox.blocked {
            mailbox.blocked = false;
            self.blocked -= 1;
            if self.blocked == 0 {
                self.wake_waiters = true;
            }
        }
        if mailbox.backlog_len == 0 {
            if self.mailboxes.is_empty() {
                self.wake_waiters = true;
            }
        } else {
            let backlog = mem::take(&mut mailbox.backlog);
            mailbox.backlog_len = 0;
            send_batch(
                &mut self.states,
                &mut self.states_scratch,
                &mut self.start,
                &key,
                &mut mailbox,
                &backlog,
                now,
            );
            self.mailboxes.insert(key, mailbox);
        }
        Ok(())
    }

    fn apply(
        &mut self,
        shared: &Arc<Shared>,
        sender: &AddressKey,
        body: Bytes,
        messages: Messages,
        plan: Plan,
        now: Instant,
    ) {
        for message in messages {
            let (Some(target), Some(endpoint)) = (message.target, message.endpoint) else {
                unreachable!("checked");
            };
            let argument = match &message.argument {
                Argument::Encoded(range) => Payload::Encoded(&body[range.clone()]),
                Argument::Decoded(value) => value.into(),
                // The default `TypedValue`, whose encoding is empty.
                Argument::Absent => Payload::Encoded(&[]),
            };
            let invocation = InvocationEntry {
                caller: Some(sender.encoded()),
                argument,
            };
            self.enqueue(target, &endpoint, invocation, now);
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

/// Makes the request carrying `invocations` (encoded entries) to `target`, with every
/// registered state attached as of now, and adds it to the calls to `start`.
fn send_batch(
    states: &mut StateStore,
    scratch: &mut Vec<u8>,
    start: &mut Vec<Call>,
    target: &AddressKey,
    mailbox: &mut Mailbox,
    invocations: &[u8],
    now: Instant,
) {
    scratch.clear();
    mailbox.sent_states = states.attach(target, now, scratch);
    let (request, invocations_at) = encode::request(target.encoded(), scratch, invocations);
    start.push(Call {
        target: target.clone(),
        endpoint: Arc::clone(&mailbox.endpoint),
        request: Bytes::from(request),
        invocations_at,
        sent: now,
    });
}
