//! Read-only views of a running engine, for the admin API: each takes the lock once,
//! copies what it needs and lets go, so looking never holds up the message path for long.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use prost::Message;
use statefun_protocol::to_function::InvocationBatchRequest;
use statefun_protocol::{Address, TypedValue};
use tokio::time::Instant;

use super::Runtime;
use super::address_key::AddressKey;
use super::observe::{ATTEMPT_FAILURE_KINDS, FunctionStats, kind_name};
use crate::ParkedAddress;

/// At most this many invocations of a batch are listed with a delivery.
const LISTED_INVOCATIONS: usize = 16;

/// What an address holds.
#[derive(Debug, Clone)]
pub(crate) struct AddressView {
    pub states: Vec<(String, TypedValue)>,
    pub backlog: usize,
    pub in_flight: bool,
    pub delayed: Vec<DelayedView>,
    /// Its parking, if it is parked.
    pub parked: Option<ParkedAddress>,
}

/// A pending delayed message.
#[derive(Debug, Clone)]
pub(crate) struct DelayedView {
    pub due: SystemTime,
    pub token: Option<String>,
    pub typename: String,
    pub from: Address,
    pub to: Address,
}

/// A delivered batch.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryView {
    pub seq: u64,
    pub to: Address,
    /// The caller (none for ingress and delayed messages from no one) and typename of the
    /// first invocations; empty when the batch was too large to keep.
    pub invocations: Vec<(Option<Address>, String)>,
    pub batch_size: usize,
    pub at: SystemTime,
    pub latency: Duration,
    /// `applied`, `incomplete` or `failed`, and the failure.
    pub outcome: (&'static str, Option<String>),
}

/// How a function type is reached.
#[derive(Debug, Clone)]
pub(crate) struct EndpointView {
    pub selector: String,
    pub transport: &'static str,
    pub url: Option<String>,
}

/// A function type seen, with its counters.
#[derive(Debug, Clone)]
pub(crate) struct FunctionView {
    pub function_type: String,
    pub endpoint: Option<EndpointView>,
    pub stats: FunctionStats,
    /// Attempts that failed (and were retried, or ended the call), by transport error kind.
    pub attempt_failures: Vec<(String, u64)>,
}

/// Totals over the engine, now.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gauges {
    pub in_flight: usize,
    pub backlog: usize,
    pub delayed: usize,
    pub blocked: usize,
    pub addresses_with_state: usize,
    pub messages: u64,
    pub parked: usize,
    /// Messages waiting for parked addresses, their failed batches included.
    pub parked_messages: usize,
}

impl Runtime {
    /// What `address` holds, or `None` if it holds nothing: no state, nothing in flight or
    /// waiting, no delayed message from or to it.
    pub(crate) fn address_view(&self, address: &Address) -> Option<AddressView> {
        let key = AddressKey::from(address);
        let engine = self.shared.lock();
        let now = Instant::now();
        let states: Vec<(String, TypedValue)> =
            engine.states.peek_all(&key, now).into_iter().collect();
        let mailbox = engine.mailboxes.get(&key);
        let delayed: Vec<DelayedView> = engine
            .delayed
            .involving(&key)
            .map(|(at, message)| DelayedView {
                due: engine.observe.wall_clock(at),
                token: message.token.clone(),
                typename: message.argument.typename.clone(),
                from: message.sender.to_address(),
                to: message.target.to_address(),
            })
            .collect();
        if states.is_empty() && mailbox.is_none() && delayed.is_empty() {
            return None;
        }
        let parked = engine.parked_address(&key, now);
        Some(AddressView {
            states,
            backlog: mailbox.map_or(0, |mailbox| mailbox.backlog_len()),
            // A parked address's batch waits in its backlog, not in flight.
            in_flight: mailbox.is_some() && parked.is_none(),
            delayed,
            parked,
        })
    }

    /// The addresses holding something, of `function_type` (`namespace/name`) if given,
    /// whose id starts with `prefix`, after `after` in their order, at most `limit`; and
    /// whether more follow.
    pub(crate) fn addresses(
        &self,
        function_type: Option<(&str, &str)>,
        prefix: &str,
        after: Option<&Address>,
        limit: usize,
    ) -> (Vec<Address>, bool) {
        let engine = self.shared.lock();
        let selected = |key: &&AddressKey| {
            let parts = key.parts();
            function_type.is_none_or(|(namespace, name)| {
                parts.namespace == namespace && parts.r#type == name
            }) && parts.id.starts_with(prefix)
        };
        let keys = engine
            .states
            .addresses()
            .chain(engine.mailboxes.keys())
            .chain(engine.delayed.messages().map(|message| &message.target))
            .filter(selected);
        let after = after.map(|address| {
            (
                address.namespace.as_str(),
                address.r#type.as_str(),
                address.id.as_str(),
            )
        });
        // The first `limit + 1` in order, kept as the scan goes: the scan runs under the
        // engine's lock, so it must not copy every address.
        let mut first: BTreeSet<(String, String, String)> = BTreeSet::new();
        for key in keys {
            let parts = key.parts();
            let ordered = (parts.namespace, parts.r#type, parts.id);
            if after.is_some_and(|after| ordered <= after) {
                continue;
            }
            if first.len() > limit
                && first.last().is_some_and(|last| {
                    (last.0.as_str(), last.1.as_str(), last.2.as_str()) <= ordered
                })
            {
                continue;
            }
            first.insert((
                parts.namespace.to_owned(),
                parts.r#type.to_owned(),
                parts.id.to_owned(),
            ));
            if first.len() > limit + 1 {
                first.pop_last();
            }
        }
        let more = first.len() > limit;
        let page = first
            .into_iter()
            .take(limit)
            .map(|(namespace, r#type, id)| Address::new(namespace, r#type, id))
            .collect();
        (page, more)
    }

    /// The most recent deliveries to or from `address` (every one without it), newest
    /// first, at most `limit`.
    pub(crate) fn deliveries(&self, address: Option<&Address>, limit: usize) -> Vec<DeliveryView> {
        let key = address.map(AddressKey::from);
        // Copied out under the lock, decoded after it.
        let kept: Vec<_> = {
            let engine = self.shared.lock();
            let observe = &engine.observe;
            observe
                .deliveries()
                .rev()
                .map(|delivery| (delivery.clone(), observe.wall_clock(delivery.at)))
                .collect()
        };
        let mut views = Vec::new();
        for (delivery, at) in kept {
            if views.len() == limit {
                break;
            }
            let invocations: Vec<(Option<Address>, String)> = delivery
                .invocations
                .as_ref()
                .and_then(|bytes| InvocationBatchRequest::decode(bytes.clone()).ok())
                .map(|batch| {
                    batch
                        .invocations
                        .into_iter()
                        .map(|invocation| {
                            (
                                invocation.caller,
                                invocation.argument.unwrap_or_default().typename,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            if let Some(key) = &key {
                let to_it = delivery.target == *key;
                let from_it = invocations
                    .iter()
                    .any(|(caller, _)| caller.as_ref().map(AddressKey::from).as_ref() == Some(key));
                if !to_it && !from_it {
                    continue;
                }
            }
            let outcome = (
                delivery.outcome.name(),
                delivery.outcome.error().map(str::to_owned),
            );
            views.push(DeliveryView {
                seq: delivery.seq,
                to: delivery.target.to_address(),
                invocations: invocations.into_iter().take(LISTED_INVOCATIONS).collect(),
                batch_size: delivery.batch_size,
                at,
                latency: delivery.latency,
                outcome,
            });
        }
        views
    }

    /// Every function type seen, with its endpoint and counters, by name.
    pub(crate) fn functions(&self) -> Vec<FunctionView> {
        let engine = self.shared.lock();
        let mut views: Vec<FunctionView> = engine
            .observe
            .functions()
            .into_iter()
            .map(|(function_type, stats)| FunctionView {
                function_type,
                endpoint: None,
                stats,
                attempt_failures: Vec::new(),
            })
            .collect();
        for (_, endpoint) in engine.routes.entries() {
            for (function_type, counts) in endpoint.attempt_failures.snapshot() {
                let index = match views
                    .iter()
                    .position(|view| view.function_type == function_type)
                {
                    Some(index) => index,
                    None => {
                        views.push(FunctionView {
                            function_type,
                            endpoint: None,
                            stats: FunctionStats::default(),
                            attempt_failures: Vec::new(),
                        });
                        views.len() - 1
                    }
                };
                views[index].attempt_failures = ATTEMPT_FAILURE_KINDS
                    .iter()
                    .zip(counts)
                    .filter(|(_, count)| *count > 0)
                    .map(|(kind, count)| (kind_name(&format!("{kind:?}")), count))
                    .collect();
            }
        }
        for view in &mut views {
            let Some((namespace, name)) = view.function_type.split_once('/') else {
                continue;
            };
            let probe = AddressKey::from(&Address::new(namespace, name, ""));
            let Ok(endpoint) = engine.routes.find(&probe) else {
                continue;
            };
            let selector = engine
                .routes
                .entries()
                .find(|(_, candidate)| std::sync::Arc::ptr_eq(candidate, endpoint))
                .map(|(selector, _)| selector)
                .unwrap_or_default();
            let (transport, url) = endpoint.transport_description();
            view.endpoint = Some(EndpointView {
                selector,
                transport,
                url,
            });
        }
        views.sort_by(|a, b| a.function_type.cmp(&b.function_type));
        views
    }

    /// The endpoints configured, whether or not a function type of theirs was seen.
    pub(crate) fn endpoints(&self) -> Vec<EndpointView> {
        let engine = self.shared.lock();
        let mut views: Vec<EndpointView> = engine
            .routes
            .entries()
            .map(|(selector, endpoint)| {
                let (transport, url) = endpoint.transport_description();
                EndpointView {
                    selector,
                    transport,
                    url,
                }
            })
            .collect();
        views.sort_by(|a, b| a.selector.cmp(&b.selector));
        views
    }

    /// Totals over the engine.
    pub(crate) fn gauges(&self) -> Gauges {
        let engine = self.shared.lock();
        let (parked, parked_messages) = engine.parked_totals();
        Gauges {
            in_flight: engine.mailboxes.len() - parked,
            backlog: engine.mailboxes.values().map(|m| m.backlog_len()).sum(),
            delayed: engine.delayed.len(),
            blocked: engine.blocked,
            addresses_with_state: engine.states.addresses().count(),
            messages: engine.observe.messages,
            parked,
            parked_messages,
        }
    }
}
