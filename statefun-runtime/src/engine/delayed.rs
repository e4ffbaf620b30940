//! Delayed messages waiting for their time, and the cancellation tokens that name them.

use std::collections::BTreeMap;
use std::sync::Arc;

use statefun_protocol::TypedValue;
use tokio::time::Instant;

use super::address_key::AddressKey;
use super::endpoint::Endpoint;
use crate::fast_map::FastMap;

/// A delayed message that is due or pending.
#[derive(Clone)]
pub(crate) struct DelayedMessage {
    pub sender: AddressKey,
    pub token: Option<String>,
    pub target: AddressKey,
    pub endpoint: Arc<Endpoint>,
    pub argument: TypedValue,
}

type Slot = (Instant, u64);

/// Pending delayed messages by fire time (ties keep scheduling order), and the tokens of
/// each sender. Tokens are scoped to the sender's full address.
#[derive(Default)]
pub(crate) struct DelayedMessages {
    by_time: BTreeMap<Slot, DelayedMessage>,
    tokens: FastMap<(AddressKey, String), Slot>,
    next_sequence: u64,
}

impl DelayedMessages {
    pub fn is_pending(&self, sender: &AddressKey, token: &str) -> bool {
        self.tokens
            .contains_key(&(sender.clone(), token.to_owned()))
    }

    pub fn schedule(&mut self, at: Instant, message: DelayedMessage) {
        let slot = (at, self.next_sequence);
        self.next_sequence += 1;
        if let Some(token) = &message.token {
            self.tokens
                .insert((message.sender.clone(), token.clone()), slot);
        }
        self.by_time.insert(slot, message);
    }

    /// Removes the message `sender` scheduled with `token`; nothing happens if it already
    /// fired or never existed.
    pub fn cancel(&mut self, sender: &AddressKey, token: &str) {
        if let Some(slot) = self.tokens.remove(&(sender.clone(), token.to_owned())) {
            self.by_time.remove(&slot);
        }
    }

    /// Removes and returns every message due at `now`, in fire order.
    pub fn take_due(&mut self, now: Instant) -> Vec<DelayedMessage> {
        let mut due = Vec::new();
        while let Some(entry) = self.by_time.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let message = entry.remove();
            if let Some(token) = &message.token {
                self.tokens.remove(&(message.sender.clone(), token.clone()));
            }
            due.push(message);
        }
        due
    }

    pub fn has_due(&self, now: Instant) -> bool {
        self.next_deadline().is_some_and(|at| at <= now)
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.by_time.keys().next().map(|(at, _)| *at)
    }

    /// The pending messages `address` sent or will receive, with when each is due.
    pub fn involving<'a>(
        &'a self,
        address: &'a AddressKey,
    ) -> impl Iterator<Item = (Instant, &'a DelayedMessage)> + 'a {
        self.by_time
            .iter()
            .filter(move |(_, message)| message.sender == *address || message.target == *address)
            .map(|((at, _), message)| (*at, message))
    }

    /// Every pending message.
    pub fn messages(&self) -> impl Iterator<Item = &DelayedMessage> {
        self.by_time.values()
    }

    pub fn len(&self) -> usize {
        self.by_time.len()
    }
}
