//! Starting from what the store held: specs, state, queued messages and delayed messages.

use bytes::Bytes;
use tokio::time::Instant;

use super::Engine;
use super::address_key::AddressKey;
use super::backlog::Backlog;
use super::delayed::DelayedMessage;
use super::mailbox::Mailbox;
use crate::store::Restored;

impl Engine {
    /// Puts back what `restored` holds and sends the first batch of every address with
    /// messages: those in flight when the runtime stopped are sent again.
    pub(super) fn restore(&mut self, restored: Restored, now: Instant) {
        for (namespace, name, state, record) in restored.specs {
            self.states
                .restore_spec(&namespace, &name, state, record.index, record.spec);
        }
        let values = restored.states.len();
        for (address, state, record) in restored.states {
            if let Some(address) = key(&address) {
                // An expired value is not restored, and deleted from the store.
                self.states.restore_value(
                    address,
                    state,
                    Bytes::from(record.bytes),
                    record.expires_at,
                    now,
                );
            }
        }
        let expired = self.journal_expired();
        let delayed = restored.delayed.len();
        for (seq, record) in restored.delayed {
            let (Some(sender), Some(target)) = (key(&record.sender), key(&record.target)) else {
                continue;
            };
            let Ok(endpoint) = self.routes.find(&target) else {
                tracing::warn!(
                    "a stored delayed message to {} is kept but not scheduled: no endpoint serves its type",
                    target.to_address()
                );
                continue;
            };
            let message = DelayedMessage {
                sender,
                token: record.token,
                target,
                endpoint: endpoint.clone(),
                argument: record.argument,
            };
            self.delayed.schedule(record.at, seq, message);
        }
        let records = restored.egress.len();
        let mut unread_topics = std::collections::BTreeSet::new();
        for record in restored.egress {
            let restored_in = self.queued.get(&record.id).is_some_and(|queued| {
                queued
                    .queues
                    .restore(&record.topic, record.seq, record.payload)
            });
            if !restored_in && unread_topics.insert((record.id.clone(), record.topic.clone())) {
                tracing::warn!(
                    "stored records of the topic `{}` of the egress `{}` are kept but not readable: the module does not declare it",
                    record.topic,
                    record.id
                );
            }
        }
        let messages = restored.messages.len();
        let mut order = Vec::new();
        for (address, seq, entry) in restored.messages {
            let Some(target) = key(&address) else {
                continue;
            };
            if !self.mailboxes.contains_key(&target) {
                let Ok(endpoint) = self.routes.find(&target) else {
                    tracing::warn!(
                        "stored messages to {} are kept but not delivered: no endpoint serves its type",
                        target.to_address()
                    );
                    continue;
                };
                let mailbox = Mailbox {
                    endpoint: endpoint.clone(),
                    sent_states: 0,
                    backlog: Backlog::default(),
                    blocked: false,
                    park_retries: 0,
                };
                self.mailboxes.insert(target.clone(), mailbox);
                order.push(target.clone());
            }
            if let Some(mailbox) = self.mailboxes.get_mut(&target) {
                mailbox.backlog.push(&entry, seq);
            }
        }
        let addresses = order.len();
        for target in order {
            self.send_next(&target, usize::MAX, now);
        }
        tracing::info!(
            values,
            messages,
            addresses,
            delayed,
            records,
            expired,
            "restored {values} state value(s) ({expired} expired and deleted), {messages} queued message(s) to {addresses} address(es), {delayed} delayed message(s) and {records} egress record(s)"
        );
    }
}

fn key(encoded: &[u8]) -> Option<AddressKey> {
    if AddressKey::is_canonical(encoded) {
        Some(AddressKey::from_canonical(encoded))
    } else {
        tracing::warn!("ignoring a stored address that is not canonically encoded");
        None
    }
}
