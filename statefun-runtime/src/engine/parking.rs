//! Parking: an address whose call budget ran out, or whose response is unusable, keeps its
//! failed batch and its backlog in order and gets nothing delivered, while every other
//! address goes on. It is retried automatically with a growing backoff (as StateFun's
//! restart strategy retries a failed job), or at once, or its head message is skipped.

use std::time::{Duration, SystemTime};

use prost::Message;
use statefun_protocol::Address;
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest};
use tokio::time::Instant;

use super::Engine;
use super::address_key::AddressKey;
use super::backlog::Batch;
use super::call::Call;
use crate::error::{Error, Repr};

/// What the runtime does when an address fails: its call budget ran out, or its function
/// answered something the runtime cannot apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Stop the whole runtime with the error, as StateFun fails the job: for tests and
    /// scripts that want the error. [`Runtime::failed`](crate::Runtime::failed) returns it.
    Stop,
    /// Park the address (see [`Runtime::parked`](crate::Runtime::parked)) and retry it
    /// after `first_retry`, doubling the wait after each failed retry up to `max_retry`.
    Park {
        /// The wait before the first automatic retry.
        first_retry: Duration,
        /// The longest wait between automatic retries.
        max_retry: Duration,
    },
}

impl FailurePolicy {
    /// Parking with the default backoff: a first retry after a minute, then waits doubling
    /// up to half an hour.
    pub const PARK: Self = Self::Park {
        first_retry: Duration::from_secs(60),
        max_retry: Duration::from_secs(30 * 60),
    };
}

/// How much may wait for a parked address before its ingress messages are refused
/// ([`ErrorKind::ParkedBacklogFull`](crate::ErrorKind::ParkedBacklogFull)); messages
/// from functions and delayed messages are kept beyond it, since refusing them would fail
/// their sender's whole response.
///
/// ```
/// use statefun_runtime::{ParkedBacklogLimit, Runtime};
///
/// let limit = ParkedBacklogLimit::DEFAULT.messages(1_000).bytes(1 << 20);
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let runtime = Runtime::builder().parked_backlog_limit(limit).build();
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParkedBacklogLimit {
    messages: usize,
    bytes: usize,
}

impl ParkedBacklogLimit {
    /// 10,000 messages or 64 MiB of them, whichever comes first.
    pub const DEFAULT: Self = Self {
        messages: 10_000,
        bytes: 64 * 1024 * 1024,
    };

    /// At most this many messages, the failed batch included.
    pub const fn messages(mut self, messages: usize) -> Self {
        self.messages = messages;
        self
    }

    /// At most this many bytes of encoded messages.
    pub const fn bytes(mut self, bytes: usize) -> Self {
        self.bytes = bytes;
        self
    }
}

impl Default for ParkedBacklogLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A parked address, as [`Runtime::parked`](crate::Runtime::parked) lists it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ParkedAddress {
    /// The function instance.
    pub address: Address,
    /// Why it was parked: the last failure.
    pub error: Error,
    /// Where its function is served.
    pub endpoint: String,
    /// When it was parked.
    pub since: SystemTime,
    /// How many messages of the failed batch, which is retried as it was.
    pub batch: usize,
    /// How many messages wait for it in all, the failed batch included.
    pub messages: usize,
    /// How many automatic retries failed since it was parked.
    pub retries: u32,
    /// How long until the next automatic retry.
    pub next_retry_in: Duration,
}

pub(super) struct Parked {
    error: Error,
    since: SystemTime,
    batch: usize,
    retry_at: Instant,
    /// Whether going over the backlog limit was logged, once per parking.
    over_limit_logged: bool,
}

impl Engine {
    /// Parks `call`'s address after `error`: its batch goes back in front of its backlog.
    pub(super) fn park(
        &mut self,
        call: &Call,
        error: Error,
        (first_retry, max_retry): (Duration, Duration),
        now: Instant,
    ) {
        let target = call.target.clone();
        if !self.mailboxes.contains_key(&target) {
            return;
        }
        // The failed call refreshed expiries as an answered one does.
        self.journal_refreshed(&target);
        let Some(mailbox) = self.mailboxes.get_mut(&target) else {
            return;
        };
        let batch = Batch {
            bytes: call.invocations().to_vec(),
            count: call.batch_size,
            seqs: call.seqs.clone(),
        };
        let batch_len = call.batch_size;
        mailbox.backlog.push_front(batch);
        let retries = mailbox.park_retries;
        mailbox.park_retries = retries.saturating_add(1);
        let backoff = first_retry
            .saturating_mul(1 << retries.min(20))
            .min(max_retry.max(first_retry));
        let messages = mailbox.backlog.len();
        let endpoint = mailbox.endpoint.describe();
        if mailbox.blocked {
            mailbox.blocked = false;
            self.unblocked();
        }
        if retries == 0 {
            tracing::error!(
                address = %target.to_address(),
                endpoint = %endpoint,
                messages,
                "parked {}: {error}. Its {messages} message(s) wait in order and nothing more is delivered to it; every other address goes on. It is retried in {backoff:?}; to resume now, fix the function and retry it (admin API: POST /api/parked/{}/retry), or drop its head message (POST /api/parked/{}/skip)",
                target.to_address(),
                address_path(&target),
                address_path(&target),
            );
        } else {
            tracing::warn!(
                address = %target.to_address(),
                retries,
                "the retry of parked {} failed again: {error}; next retry in {backoff:?}",
                target.to_address(),
            );
        }
        self.parked.insert(
            target,
            Parked {
                error,
                since: SystemTime::now(),
                batch: batch_len,
                retry_at: now + backoff,
                over_limit_logged: false,
            },
        );
        if self.mailboxes.len() == self.parked.len() {
            self.wake_waiters = true;
        }
    }

    /// Refuses an ingress message of about `len` bytes to `target` if it is parked with a
    /// backlog at its limit.
    pub(super) fn check_parked_room(
        &self,
        target: &AddressKey,
        len: usize,
        now: Instant,
    ) -> Result<(), Error> {
        if self.parked.is_empty() {
            return Ok(());
        }
        let Some(parked) = self.parked.get(target) else {
            return Ok(());
        };
        let backlog = &self.mailboxes[target].backlog;
        let limit = self.parked_limit;
        if backlog.len() < limit.messages && backlog.byte_len().saturating_add(len) <= limit.bytes {
            return Ok(());
        }
        Err(Repr::ParkedBacklogFull {
            address: target.to_address(),
            since: humantime::format_rfc3339_seconds(parked.since).to_string(),
            cause: parked.error.to_string(),
            messages: backlog.len(),
            bytes: backlog.byte_len(),
            limit: (limit.messages, limit.bytes),
            retry_in: parked.retry_at.saturating_duration_since(now),
        }
        .into())
    }

    /// Logs, once per parking, that messages from functions took `target`'s backlog over
    /// its limit: they are kept.
    pub(super) fn note_parked_overflow(&mut self, target: &AddressKey) {
        let limit = self.parked_limit;
        let (Some(parked), Some(mailbox)) =
            (self.parked.get_mut(target), self.mailboxes.get(target))
        else {
            return;
        };
        let backlog = &mailbox.backlog;
        let over = backlog.len() > limit.messages || backlog.byte_len() > limit.bytes;
        if over && !parked.over_limit_logged {
            parked.over_limit_logged = true;
            tracing::warn!(
                address = %target.to_address(),
                "parked {} holds {} message(s) ({} bytes), over its limit of {} messages or {} bytes: ingress messages to it are refused (503) while messages from functions are kept",
                target.to_address(),
                backlog.len(),
                backlog.byte_len(),
                limit.messages,
                limit.bytes,
            );
        }
    }

    /// Sends a parked address's failed batch again; false if it is not parked.
    pub(super) fn unpark(&mut self, target: &AddressKey, now: Instant) -> bool {
        let Some(parked) = self.parked.remove(target) else {
            return false;
        };
        tracing::info!(address = %target.to_address(), "retrying parked {}", target.to_address());
        self.send_next(target, parked.batch, now);
        true
    }

    /// Drops the head message of a parked address's failed batch, and sends the rest of
    /// that batch (or what waits behind it). Returns the dropped message, or `None` if the
    /// address is not parked.
    pub(super) fn skip(&mut self, target: &AddressKey, now: Instant) -> Option<Invocation> {
        let parked = self.parked.remove(target)?;
        let mailbox = self.mailboxes.get_mut(target)?;
        let head = mailbox.backlog.take(0, 1, true);
        mailbox.park_retries = 0;
        self.journal.batch_answered(target, &head.seqs);
        let dropped = decode_entry(&head.bytes);
        tracing::warn!(
            address = %target.to_address(),
            "skipped the head message of parked {} (typename `{}`); its other messages go on",
            target.to_address(),
            dropped
                .as_ref()
                .and_then(|invocation| invocation.argument.as_ref())
                .map_or("", |argument| argument.typename.as_str()),
        );
        let rest = parked.batch.saturating_sub(1);
        self.send_next(target, if rest == 0 { usize::MAX } else { rest }, now);
        Some(dropped.unwrap_or_default())
    }

    /// Retries the parked addresses whose time came.
    pub(super) fn retry_due_parked(&mut self, now: Instant) -> bool {
        let due: Vec<AddressKey> = self
            .parked
            .iter()
            .filter(|(_, parked)| parked.retry_at <= now)
            .map(|(target, _)| target.clone())
            .collect();
        for target in &due {
            self.unpark(target, now);
        }
        !due.is_empty()
    }

    /// When the next parked address is due for an automatic retry.
    pub(super) fn next_parked_retry(&self) -> Option<Instant> {
        self.parked.values().map(|parked| parked.retry_at).min()
    }

    pub(super) fn parked_addresses(&self, now: Instant) -> Vec<ParkedAddress> {
        let mut list: Vec<ParkedAddress> = self
            .parked
            .iter()
            .map(|(target, parked)| self.describe_parked(target, parked, now))
            .collect();
        list.sort_by_key(|parked| parked.since);
        list
    }

    /// `target` as [`Runtime::parked`](crate::Runtime::parked) lists it, if it is parked.
    pub(super) fn parked_address(
        &self,
        target: &AddressKey,
        now: Instant,
    ) -> Option<ParkedAddress> {
        let parked = self.parked.get(target)?;
        Some(self.describe_parked(target, parked, now))
    }

    /// How many parked addresses there are, and how many messages wait for them.
    pub(super) fn parked_totals(&self) -> (usize, usize) {
        let messages = self
            .parked
            .keys()
            .filter_map(|target| self.mailboxes.get(target))
            .map(|mailbox| mailbox.backlog.len())
            .sum();
        (self.parked.len(), messages)
    }

    fn describe_parked(&self, target: &AddressKey, parked: &Parked, now: Instant) -> ParkedAddress {
        let mailbox = &self.mailboxes[target];
        ParkedAddress {
            address: target.to_address(),
            error: parked.error.clone(),
            endpoint: mailbox.endpoint.describe(),
            since: parked.since,
            batch: parked.batch,
            messages: mailbox.backlog.len(),
            retries: mailbox.park_retries.saturating_sub(1),
            next_retry_in: parked.retry_at.saturating_duration_since(now),
        }
    }
}

/// `ns/type/id`, as the admin API's paths name an address.
fn address_path(target: &AddressKey) -> String {
    let address = target.to_address();
    format!("{}/{}/{}", address.namespace, address.r#type, address.id)
}

/// The invocation of one encoded entry (key, length, body).
fn decode_entry(entry: &[u8]) -> Option<Invocation> {
    // An entry is an `InvocationBatchRequest` holding just that invocation.
    InvocationBatchRequest::decode(entry)
        .ok()?
        .invocations
        .into_iter()
        .next()
}
