//! Checking a function's response as a whole, then applying it in StateFun's order:
//! messages, delayed messages and cancellations, egress records, state mutations.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use statefun_protocol::TypedValue;
use tokio::time::Instant;

use super::Engine;
use super::address_key::AddressKey;
use super::decode::Effects;
use super::delayed::DelayedMessage;
use super::state::CheckedMutation;
use crate::egress::EgressSink;
use crate::error::{Error, Repr};

/// A response whose every part was checked: applying it cannot fail, so a bad response
/// leaves no partial effect. Its messages, checked too, are read again from the response.
pub(crate) struct Plan {
    pub delayed: Vec<DelayedAction>,
    pub egress: Vec<(Arc<dyn EgressSink>, TypedValue)>,
    pub mutations: Vec<CheckedMutation>,
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
    pub(crate) fn check_response(
        &self,
        sender: &AddressKey,
        effects: &mut Effects,
        now: Instant,
    ) -> Result<Plan, Error> {
        let malformed = |what| -> Error {
            Repr::MalformedResponse {
                address: sender.to_address(),
                what,
            }
            .into()
        };
        for message in effects.messages.iter_mut() {
            let target = message
                .target
                .as_ref()
                .ok_or_else(|| malformed("a message target"))?;
            let endpoint = self.routes.find(target);
            let endpoint = endpoint.map_err(|e| e.sent_by(&sender.to_address()))?;
            message.endpoint = Some(Arc::clone(endpoint));
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
                egress: id,
                source,
            })?;
            egress.push((Arc::clone(sink), value));
        }

        let mutations = effects
            .mutations
            .iter()
            .map(|mutation| self.states.check(sender, mutation))
            .collect::<Result<_, _>>()?;

        Ok(Plan {
            delayed,
            egress,
            mutations,
        })
    }
}
