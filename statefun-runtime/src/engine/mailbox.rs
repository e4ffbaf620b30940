//! Per-address mailboxes: one request in flight, the invocations that arrive meanwhile
//! queued behind it and sent as the next batch.
//!
//! Invocations are encoded (as `InvocationBatchRequest.invocations` entries) when they are
//! queued, so a batch is sent by copying bytes, and a request is never re-encoded from
//! prost structs: its invocations stay in it for a resend, a parking or the delivery record.

use std::collections::hash_map::Entry;
use std::sync::Arc;

use bytes::Bytes;
use tokio::time::Instant;

use super::Engine;
use super::address_key::AddressKey;
use super::backlog::Backlog;
use super::call::Call;
use super::encode::{self, InvocationEntry};
use super::endpoint::Endpoint;
use super::state::StateStore;

/// Room kept in a request for its framing: the `ToFunction` key and lengths.
const REQUEST_FRAMING: usize = 32;

pub(crate) struct Mailbox {
    pub endpoint: Arc<Endpoint>,
    /// How many registered states the request in flight carried: a function may only
    /// call those missing if it is confused, while states registered after the request was
    /// sent (by another address of the same type) are legitimately missing from it.
    pub sent_states: usize,
    /// Invocation entries waiting behind the request in flight; while the address is
    /// parked, its failed batch comes first.
    pub backlog: Backlog,
    /// Whether this backlog counts in [`Engine::blocked`].
    pub blocked: bool,
    /// How many automatic retries of a parked batch failed in a row.
    pub park_retries: u32,
}

impl Mailbox {
    pub fn backlog_len(&self) -> usize {
        self.backlog.len()
    }
}

impl Engine {
    /// Queues an invocation for `target`: sent at once if the address is idle, else added
    /// to its backlog. Durable runtimes journal it under a new sequence number.
    pub(super) fn enqueue(
        &mut self,
        target: AddressKey,
        endpoint: &Arc<Endpoint>,
        invocation: InvocationEntry<'_>,
        now: Instant,
    ) {
        self.entries_scratch.clear();
        invocation.put(&mut self.entries_scratch);
        let seq = self.journal.message_added(&target, &self.entries_scratch);
        // One lookup whether the address is busy or idle.
        let idle = match self.mailboxes.entry(target) {
            Entry::Occupied(mut busy) => {
                let parked = self.parked.contains_key(busy.key());
                let mailbox = busy.get_mut();
                mailbox.backlog.push(&self.entries_scratch, seq);
                let at_limit = mailbox
                    .endpoint
                    .max_backlog()
                    .is_some_and(|limit| mailbox.backlog.len() >= limit);
                // A parked address takes what comes without holding the others up.
                if at_limit && !mailbox.blocked && !parked {
                    mailbox.blocked = true;
                    self.blocked += 1;
                }
                if parked {
                    let target = busy.key().clone();
                    self.note_parked_overflow(&target);
                }
                return;
            }
            Entry::Vacant(idle) => idle,
        };
        let mut mailbox = Mailbox {
            endpoint: Arc::clone(endpoint),
            sent_states: 0,
            backlog: Backlog::default(),
            blocked: false,
            park_retries: 0,
        };
        let seqs = if self.journal.is_durable() {
            vec![seq]
        } else {
            Vec::new()
        };
        let call = make_call(
            &mut self.states,
            &mut self.states_scratch,
            idle.key(),
            &mut mailbox,
            Outgoing {
                entries: &self.entries_scratch,
                count: 1,
                seqs,
            },
            now,
        );
        self.start.push(call);
        idle.insert(mailbox);
    }

    /// Sends the next batch of `target`'s backlog, cut under its endpoint's payload limit
    /// and at most `max_count` entries long, or forgets the mailbox if nothing waits.
    pub(super) fn send_next(&mut self, target: &AddressKey, max_count: usize, now: Instant) {
        let Some(mailbox) = self.mailboxes.get_mut(target) else {
            return;
        };
        if mailbox.backlog.is_empty() {
            self.forget(target);
            return;
        }
        self.states_scratch.clear();
        mailbox.sent_states = self.states.attach(target, now, &mut self.states_scratch);
        let room = mailbox
            .endpoint
            .payload_max_bytes
            .saturating_sub(self.states_scratch.len() + target.encoded().len() + REQUEST_FRAMING);
        let batch = mailbox
            .backlog
            .take(room, max_count, self.journal.is_durable());
        let call = request(
            target,
            mailbox,
            &self.states_scratch,
            Outgoing {
                entries: &batch.bytes,
                count: batch.count,
                seqs: batch.seqs,
            },
            now,
        );
        self.start.push(call);
    }

    /// Sends `call`'s invocations again, with the states as they are now.
    pub(super) fn resend(&mut self, call: &Call, now: Instant) {
        let Some(mailbox) = self.mailboxes.get_mut(&call.target) else {
            return;
        };
        let next = make_call(
            &mut self.states,
            &mut self.states_scratch,
            &call.target,
            mailbox,
            Outgoing {
                entries: call.invocations(),
                count: call.batch_size,
                seqs: call.seqs.clone(),
            },
            now,
        );
        self.start.push(next);
    }

    /// Removes the mailbox of an address with nothing in flight and nothing waiting.
    pub(super) fn forget(&mut self, target: &AddressKey) {
        let Some(mailbox) = self.mailboxes.remove(target) else {
            return;
        };
        if mailbox.blocked {
            self.unblocked();
        }
        if self.mailboxes.len() == self.parked.len() {
            self.wake_waiters = true;
        }
    }

    /// One blocked backlog less.
    pub(super) fn unblocked(&mut self) {
        self.blocked -= 1;
        if self.blocked == 0 {
            self.wake_waiters = true;
        }
    }
}

/// Invocation entries on their way into a request.
struct Outgoing<'a> {
    entries: &'a [u8],
    /// How many entries `entries` holds.
    count: usize,
    /// Their journal numbers; empty without a store.
    seqs: Vec<u64>,
}

/// The request carrying `batch` to `target`, with every registered state attached as of now.
fn make_call(
    states: &mut StateStore,
    scratch: &mut Vec<u8>,
    target: &AddressKey,
    mailbox: &mut Mailbox,
    batch: Outgoing<'_>,
    now: Instant,
) -> Call {
    scratch.clear();
    mailbox.sent_states = states.attach(target, now, scratch);
    request(target, mailbox, scratch, batch, now)
}

/// The request carrying `batch` to `target`, with `states` attached, made `now`.
fn request(
    target: &AddressKey,
    mailbox: &Mailbox,
    states: &[u8],
    Outgoing {
        entries,
        count: batch_size,
        seqs,
    }: Outgoing<'_>,
    now: Instant,
) -> Call {
    debug_assert_eq!(super::backlog::entry_lens(entries).len(), batch_size);
    let (request, invocations_at) = encode::request(target.encoded(), states, entries);
    Call {
        target: target.clone(),
        endpoint: Arc::clone(&mailbox.endpoint),
        request: Bytes::from(request),
        invocations_at,
        batch_size,
        seqs,
        started: now,
    }
}
