//! Applying a checked [`Plan`] in StateFun's order: messages, delayed messages and
//! cancellations, egress records, state mutations. Every change is also written to the
//! journal, which commits the whole response as one transaction (see [`super::journal`]).

use std::sync::Arc;

use tokio::time::Instant;

use super::address_key::AddressKey;
use super::call::Call;
use super::encode::InvocationEntry;
use super::plan::{DelayedAction, Plan};
use super::{DeliveredBatch, Engine, Shared};

impl Engine {
    /// Applies `plan`, the checked response to `call`, and sends what waits behind it.
    pub(super) fn apply(&mut self, shared: &Arc<Shared>, call: &Call, plan: Plan, now: Instant) {
        let sender = &call.target;
        self.observe
            .answered(call, plan.messages.iter().map(|m| &m.target), now);
        self.journal.batch_answered(sender, &call.seqs);
        for message in &plan.messages {
            let invocation = InvocationEntry {
                caller: Some(sender.encoded()),
                argument: message.payload(&plan.body),
            };
            self.enqueue(message.target.clone(), &message.endpoint, invocation, now);
        }
        let earliest_before = self.next_deadline();
        for action in plan.delayed {
            match action {
                DelayedAction::Schedule { at, message } => {
                    let seq = self.journal.delayed_scheduled(at, &message);
                    self.delayed.schedule(at, seq, *message);
                }
                DelayedAction::Cancel { token } => {
                    if let Some(seq) = self.delayed.cancel(sender, &token) {
                        self.journal.delayed_removed(seq);
                    }
                }
            }
        }
        if self.next_deadline() != earliest_before {
            shared.timer_wake.notify_one();
        }
        for egress in plan.egress {
            match egress.stored {
                Some((id, queued)) => {
                    if let Some((topic, payload)) = (queued.read)(&egress.value) {
                        self.journal
                            .stored_egress(&id, queued.queues, topic, payload);
                    }
                }
                None => self.journal.egress(egress.sink, egress.value),
            }
        }
        // The mutations below override the values they change.
        self.journal_refreshed(sender);
        for mutation in plan.mutations {
            if self.journal.is_durable() {
                let expires_at = self.states.expiry_of(sender, &mutation, now);
                self.journal.state_written(sender, &mutation, expires_at);
            }
            self.states.apply(sender, mutation, now);
        }
        self.record_delivery(call);
        self.answered(sender, now);
    }

    /// Journals the `AfterInvoke` expiries that sending a batch to `target` refreshed, as
    /// in memory, whatever the call's outcome.
    pub(super) fn journal_refreshed(&mut self, target: &AddressKey) {
        if self.journal.is_durable() {
            for (state, bytes, expires_at) in self.states.refreshed(target) {
                self.journal
                    .state_refreshed(target, state, &bytes, expires_at);
            }
        }
    }

    /// Journals the deletion of the values dropped as expired since the last step;
    /// returns how many.
    pub(super) fn journal_expired(&mut self) -> usize {
        let expired = self.states.take_expired();
        let count = expired.len();
        for (address, state) in expired {
            self.journal.state_expired(&address, state);
        }
        count
    }

    /// What this step changed, for the store; see [`super::journal::Journal::commit`].
    pub(super) fn commit_step(&mut self) -> Option<crate::store::Written> {
        if self.journal.is_durable() {
            self.journal_expired();
        }
        self.journal.commit()
    }

    /// The address's batch was answered: its parking retries start over, and the next
    /// batch goes out.
    fn answered(&mut self, target: &AddressKey, now: Instant) {
        let Some(mailbox) = self.mailboxes.get_mut(target) else {
            return;
        };
        mailbox.park_retries = 0;
        if mailbox.blocked {
            mailbox.blocked = false;
            self.unblocked();
        }
        self.send_next(target, usize::MAX, now);
    }

    fn record_delivery(&mut self, call: &Call) {
        use prost::Message;
        if let Some(delivered) = &mut self.delivered {
            let invocations =
                statefun_protocol::to_function::InvocationBatchRequest::decode(call.invocations())
                    .expect("the engine encodes the invocations it sends")
                    .invocations;
            delivered.push(DeliveredBatch {
                target: call.target.to_address(),
                invocations,
            });
        }
    }
}
