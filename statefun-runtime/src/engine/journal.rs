//! The journal: what each step of the engine changed, committed to the store as one
//! transaction per step (an ingress message, a function's response, timers firing).
//!
//! Without a store the journal only numbers messages and hands egress records to their
//! sinks at once. With one, the changes of a step are collected while it is applied in
//! memory, under the engine's lock, and queued to the store's writer in that order; the
//! writer commits them in order, many steps per transaction. So what is on disk is always
//! a prefix of what happened in memory: after a crash, the runtime restarts from a state
//! it really went through, and re-sends the batches whose answer was not committed yet.
//! What others can observe waits for the commit: an ingress message is acknowledged, and
//! egress records are handed to their sinks, only once their step is durable.

use std::sync::Arc;

use bytes::Bytes;
use statefun_protocol::TypedValue;
use tokio::time::Instant;

use super::address_key::AddressKey;
use super::delayed::DelayedMessage;
use super::state::CheckedMutation;
use crate::egress::EgressSink;
use crate::playground::PlaygroundEgress;
use crate::store::{Commit, Op, QueuedRecord, Store, Written};

#[derive(Default)]
pub(crate) struct Journal {
    store: Option<Store>,
    next_seq: u64,
    ops: Vec<Op>,
    egress: Vec<(Arc<dyn EgressSink>, TypedValue)>,
    queued: Vec<QueuedRecord>,
}

impl Journal {
    pub fn new(store: Option<Store>, next_seq: u64) -> Self {
        Self {
            store,
            next_seq,
            ops: Vec::new(),
            egress: Vec::new(),
            queued: Vec::new(),
        }
    }

    pub fn is_durable(&self) -> bool {
        self.store.is_some()
    }

    fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// An invocation entry queued for `target`; returns its sequence number.
    pub fn message_added(&mut self, target: &AddressKey, entry: &[u8]) -> u64 {
        let seq = self.next_seq();
        if self.store.is_some() {
            self.ops.push(Op::PutMessage {
                address: target.encoded().to_vec(),
                seq,
                entry: entry.to_vec(),
            });
        }
        seq
    }

    /// The messages `seqs` of `target` were answered, or dropped.
    pub fn batch_answered(&mut self, target: &AddressKey, seqs: &[u64]) {
        if self.store.is_some() {
            for &seq in seqs {
                self.ops.push(Op::DeleteMessage {
                    address: target.encoded().to_vec(),
                    seq,
                });
            }
        }
    }

    /// A delayed message was scheduled for `at`; returns its sequence number.
    pub fn delayed_scheduled(&mut self, at: Instant, message: &DelayedMessage) -> u64 {
        let seq = self.next_seq();
        if self.store.is_some() {
            self.ops.push(Op::PutDelayed {
                seq,
                record: crate::store::delayed_record(at, message),
            });
        }
        seq
    }

    /// A delayed message fired or was cancelled.
    pub fn delayed_removed(&mut self, seq: u64) {
        if self.store.is_some() {
            self.ops.push(Op::DeleteDelayed { seq });
        }
    }

    /// A mutation of `address`'s state; `expires_at` is when a written value expires.
    pub fn state_written(
        &mut self,
        address: &AddressKey,
        mutation: &CheckedMutation,
        expires_at: Option<Instant>,
    ) {
        if self.store.is_none() {
            return;
        }
        let address = address.encoded().to_vec();
        self.ops.push(match mutation {
            CheckedMutation::Modify { state, bytes } => Op::PutState {
                address,
                name: state.clone(),
                value: crate::store::state_record(expires_at, bytes),
            },
            CheckedMutation::Delete { state } => Op::DeleteState {
                address,
                name: state.clone(),
            },
        });
    }

    /// The value of `state` at `address` was rewritten with a new expiry.
    pub fn state_refreshed(
        &mut self,
        address: &AddressKey,
        state: String,
        bytes: &[u8],
        expires_at: Option<Instant>,
    ) {
        if self.store.is_some() {
            self.ops.push(Op::PutState {
                address: address.encoded().to_vec(),
                name: state,
                value: crate::store::state_record(expires_at, bytes),
            });
        }
    }

    /// The value of `state` at `address` expired and was dropped.
    pub fn state_expired(&mut self, address: &AddressKey, state: String) {
        if self.store.is_some() {
            self.ops.push(Op::DeleteState {
                address: address.encoded().to_vec(),
                name: state,
            });
        }
    }

    /// A state spec registered for the function type `(namespace, name)`.
    pub fn spec_registered(&mut self, function_type: (&str, &str), state: &str, record: Vec<u8>) {
        if self.store.is_some() {
            self.ops.push(Op::PutSpec {
                namespace: function_type.0.to_owned(),
                name: function_type.1.to_owned(),
                state: state.to_owned(),
                record,
            });
        }
    }

    /// An egress record: handed to its sink now, or once the step is durable.
    pub fn egress(&mut self, sink: Arc<dyn EgressSink>, value: TypedValue) {
        if self.store.is_some() {
            self.egress.push((sink, value));
        } else {
            sink.accept(value);
        }
    }

    /// A record for the topic `topic` of the playground egress `id`, stored with this
    /// step and readable once it is durable; dropped (logged) if it does not fit the
    /// topic's bounds.
    pub fn stored_egress(
        &mut self,
        id: &str,
        queues: PlaygroundEgress,
        topic: String,
        payload: Bytes,
    ) {
        if !queues.reserve(&topic, payload.len()) {
            return;
        }
        let seq = self.next_seq();
        self.ops.push(Op::PutEgress {
            id: id.to_owned(),
            topic: topic.clone(),
            seq,
            payload: payload.clone(),
        });
        self.queued.push(QueuedRecord {
            queues,
            topic,
            seq,
            payload,
        });
    }

    /// Queues what this step changed for the store's writer; what is returned says when
    /// it is durable. Nothing to wait for without a store, or if nothing changed.
    pub fn commit(&mut self) -> Option<Written> {
        if self.ops.is_empty() && self.egress.is_empty() && self.queued.is_empty() {
            return None;
        }
        self.barrier()
    }

    /// Like [`commit`](Self::commit), also with nothing to commit: what is returned says
    /// when every earlier step is durable.
    pub fn barrier(&mut self) -> Option<Written> {
        let store = self.store.as_ref()?;
        Some(store.submit(Commit {
            ops: std::mem::take(&mut self.ops),
            egress: std::mem::take(&mut self.egress),
            queued: std::mem::take(&mut self.queued),
            next_seq: Some(self.next_seq),
        }))
    }
}
