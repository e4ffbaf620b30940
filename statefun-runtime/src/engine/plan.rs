//! Checking a function's response as a whole, into a [`Plan`] of what it does: the
//! second step of decode → check and plan → persist → apply.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use statefun_protocol::TypedValue;
use tokio::time::Instant;

use super::Engine;
use super::address_key::AddressKey;
use super::decode::{Argument, Effects};
use super::delayed::DelayedMessage;
use super::encode::Payload;
use super::endpoint::Endpoint;
use super::state::CheckedMutation;
use crate::egress::EgressSink;
use crate::error::{Error, Repr};
use crate::playground::QueuedEgress;

/// A response whose every part was checked and resolved: applying it cannot fail, so a
/// bad response leaves no partial effect.
pub(crate) struct Plan {
    /// The response body, which the messages' arguments are read from.
    pub body: Bytes,
    pub messages: Vec<PlannedMessage>,
    pub delayed: Vec<DelayedAction>,
    pub egress: Vec<PlannedEgress>,
    pub mutations: Vec<CheckedMutation>,
}

/// A message to send, its target and endpoint found.
pub(crate) struct PlannedMessage {
    pub target: AddressKey,
    pub endpoint: Arc<Endpoint>,
    pub argument: Argument,
}

impl PlannedMessage {
    /// The argument as it is written into an invocation, read from `body`.
    pub fn payload<'a>(&'a self, body: &'a [u8]) -> Payload<'a> {
        match &self.argument {
            Argument::Encoded(range) => Payload::Encoded(&body[range.clone()]),
            Argument::Decoded(value) => value.into(),
            // The default `TypedValue`, whose encoding is empty.
            Argument::Absent => Payload::Encoded(&[]),
        }
    }
}

/// An egress record and where it goes.
pub(crate) struct PlannedEgress {
    pub sink: Arc<dyn EgressSink>,
    /// With a store, the playground egress that stores it under `id`.
    pub stored: Option<(String, QueuedEgress)>,
    pub value: TypedValue,
}

pub(crate) enum DelayedAction {
    Schedule {
        at: Instant,
        message: Box<DelayedMessage>,
    },
    Cancel {
        token: String,
    },
}

impl Engine {
    /// Checks every part of `effects`, sent by `sender`, against the routes, egresses,
    /// pending delayed messages and state specs.
    pub(crate) fn plan(
        &self,
        sender: &AddressKey,
        mut effects: Effects,
        now: Instant,
    ) -> Result<Plan, Error> {
        let malformed = |what| -> Error {
            Repr::MalformedResponse {
                address: sender.to_address(),
                what,
            }
            .into()
        };
        let mut messages = Vec::new();
        for message in effects.messages {
            let target = message
                .target
                .ok_or_else(|| malformed("a message target"))?;
            let endpoint = self.routes.find(&target);
            let endpoint = Arc::clone(endpoint.map_err(|e| e.sent_by(&sender.to_address()))?);
            messages.push(PlannedMessage {
                target,
                endpoint,
                argument: message.argument,
            });
        }

        // Tokens are checked in list order, so "schedule t, cancel t, schedule t" is valid.
        let mut added: HashSet<String> = HashSet::new();
        let mut cancelled: HashSet<String> = HashSet::new();
        let mut delayed = Vec::with_capacity(effects.delayed.len());
        for invocation in std::mem::take(&mut effects.delayed) {
            let token = invocation.cancellation_token;
            if invocation.is_cancellation_request {
                if token.is_empty() {
                    return Err(Repr::EmptyCancellationToken {
                        sender: sender.to_address(),
                    }
                    .into());
                }
                added.remove(&token);
                cancelled.insert(token.clone());
                delayed.push(DelayedAction::Cancel { token });
                continue;
            }
            let target = invocation
                .target
                .ok_or_else(|| malformed("a delayed message target"))?;
            let delay = u64::try_from(invocation.delay_in_ms).map_err(|_| {
                Error::from(Repr::NegativeDelay {
                    sender: sender.to_address(),
                    target: target.clone(),
                    delay_ms: invocation.delay_in_ms,
                })
            })?;
            let target = AddressKey::from(&target);
            let endpoint = self.routes.find(&target);
            let endpoint = Arc::clone(endpoint.map_err(|e| e.sent_by(&sender.to_address()))?);
            let token = (!token.is_empty()).then_some(token);
            if let Some(token) = &token {
                let pending = added.contains(token)
                    || (!cancelled.contains(token) && self.delayed.is_pending(sender, token));
                if pending {
                    return Err(Repr::DuplicateCancellationToken {
                        sender: sender.to_address(),
                        token: token.clone(),
                    }
                    .into());
                }
                added.insert(token.clone());
            }
            delayed.push(DelayedAction::Schedule {
                at: now + Duration::from_millis(delay),
                message: Box::new(DelayedMessage {
                    sender: sender.clone(),
                    token,
                    target,
                    endpoint,
                    argument: invocation.argument.unwrap_or_default(),
                }),
            });
        }

        let mut egress = Vec::with_capacity(effects.egresses.len());
        for message in std::mem::take(&mut effects.egresses) {
            let id = format!("{}/{}", message.egress_namespace, message.egress_type);
            let Some(sink) = self.egresses.get(&id) else {
                return Err(Repr::UnknownEgress {
                    sender: sender.to_address(),
                    egress: id,
                }
                .into());
            };
            let value = message.argument.unwrap_or_default();
            sink.check(&value).map_err(|source| Repr::EgressRejected {
                sender: sender.to_address(),
                egress: id.clone(),
                source,
            })?;
            let stored = match self.queued.get(&id) {
                Some(queued) if self.journal.is_durable() => Some((id, queued.clone())),
                _ => None,
            };
            egress.push(PlannedEgress {
                sink: Arc::clone(sink),
                stored,
                value,
            });
        }

        let mutations = effects
            .mutations
            .iter()
            .map(|mutation| self.states.check(sender, mutation))
            .collect::<Result<_, _>>()?;

        Ok(Plan {
            body: effects.body,
            messages,
            delayed,
            egress,
            mutations,
        })
    }
}
