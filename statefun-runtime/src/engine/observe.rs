//! What the engine lets people see: the most recent deliveries in a bounded ring, counters
//! and a call latency histogram per function type, and who messages whom.
//!
//! Everything is updated under the engine's lock, which the message path holds anyway, so
//! observing adds no synchronisation; what is costly to work out (the callers and
//! typenames of a batch) is kept as the request's bytes and decoded only when asked for.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::{Buf as _, Bytes};
use tokio::time::Instant;

use statefun_protocol::wire::canonical_address_parts;

use super::address_key::AddressKey;
use super::call::Call;
use crate::error::Error;
use crate::transport::{TransportError, TransportErrorKind};

/// How many deliveries the ring keeps.
pub(crate) const DELIVERY_RING: usize = 1024;
/// A batch's invocations are kept for the ring only if its request is at most this large;
/// a larger one is listed without them, so the ring holds at most `DELIVERY_RING` times
/// this much.
const KEPT_REQUEST: usize = 16 * 1024;

/// Upper bounds of the latency buckets, in microseconds: 0.5 ms to 2 minutes (the default
/// call budget).
pub(crate) const LATENCY_BOUNDS_US: [u64; 17] = [
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    30_000_000,
    60_000_000,
    120_000_000,
];

/// The transport error kinds, in the order of the attempt failure counters.
pub(crate) const ATTEMPT_FAILURE_KINDS: [TransportErrorKind; 7] = [
    TransportErrorKind::Connect,
    TransportErrorKind::Request,
    TransportErrorKind::Timeout,
    TransportErrorKind::Status,
    TransportErrorKind::ContentType,
    TransportErrorKind::Body,
    TransportErrorKind::Decode,
];

/// A latency histogram with fixed buckets (the last one unbounded).
#[derive(Debug, Clone, Default)]
pub(crate) struct Histogram {
    pub buckets: [u64; LATENCY_BOUNDS_US.len() + 1],
    pub sum_us: u64,
    pub count: u64,
}

impl Histogram {
    fn record(&mut self, latency: Duration) {
        // Whole microseconds in u64 arithmetic (`as_micros` works in u128); saturates
        // only past half a million years.
        let micros = latency
            .as_secs()
            .saturating_mul(1_000_000)
            .saturating_add(u64::from(latency.subsec_micros()));
        // Most calls land in the first buckets, where a scan from the bottom stops at once.
        let bucket = LATENCY_BOUNDS_US
            .iter()
            .position(|&bound| micros <= bound)
            .unwrap_or(LATENCY_BOUNDS_US.len());
        self.buckets[bucket] += 1;
        self.sum_us = self.sum_us.saturating_add(micros);
        self.count += 1;
    }

    /// The upper bound of the bucket holding the `quantile`, in milliseconds; `None`
    /// without observations, and infinity for the unbounded bucket.
    pub fn quantile_ms(&self, quantile: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        // The rank of the observation the quantile names, counted from 1.
        let rank = ((self.count as f64) * quantile).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (index, count) in self.buckets.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(
                    LATENCY_BOUNDS_US
                        .get(index)
                        .map_or(f64::INFINITY, |&bound| bound as f64 / 1000.0),
                );
            }
        }
        Some(f64::INFINITY)
    }
}

/// Counters of one function type.
#[derive(Debug, Clone, Default)]
pub(crate) struct FunctionStats {
    /// Batches answered (whatever the answer).
    pub batches: u64,
    /// Invocations in the batches answered with effects.
    pub invocations: u64,
    /// Answers that asked for missing states.
    pub incomplete: u64,
    /// Calls that failed the runtime, by [`crate::ErrorKind`] name.
    pub failures: Vec<(String, u64)>,
    /// Messages this type sent, by target function type (`namespace/name`).
    pub sent_to: Vec<(String, u64)>,
    pub latency: Histogram,
}

/// Counters as kept on the message path: targets by bytes, no strings built.
#[derive(Default)]
struct LiveStats {
    batches: u64,
    invocations: u64,
    incomplete: u64,
    failures: Vec<(String, u64)>,
    sent_to: TypeTable<u64>,
    latency: Histogram,
}

/// At most this many function types are counted apart; the others share one entry.
const MAX_TYPES: usize = 256;
/// The name of the entry the function types past [`MAX_TYPES`] share.
const OTHER_TYPES: (&[u8], &[u8]) = (b"(other)", b"(other)");
/// The key of that entry: no encoded address starts with this byte.
const OTHER_KEY: &[u8] = &[0xFF];
/// The tag of an encoded address's id field, which follows its namespace and type.
const ID_TAG: u8 = 0x1A;

/// Values by function type, keyed by the start of an encoded address key (its namespace
/// and type fields), so that finding a key's type compares bytes and parses nothing; found
/// by a scan that tries the last type found first: a runtime serves a handful of types,
/// and consecutive messages often go to the same one (measured: a hash map was 5% of the
/// runtime's instructions per message, parsing the key for its type 3%).
struct TypeTable<V> {
    entries: Vec<(Box<[u8]>, V)>,
    last: usize,
}

impl<V> Default for TypeTable<V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            last: 0,
        }
    }
}

/// Whether the encoded address `key` is of the type whose fields are `prefix`: it starts
/// with them and goes on with its id, or ends. Both are prost's canonical encoding, whose
/// fields are length-delimited and in order, so no other key can match.
fn is_of_type(key: &[u8], prefix: &[u8]) -> bool {
    key.len() >= prefix.len()
        && same_bytes(&key[..prefix.len()], prefix)
        && key.get(prefix.len()).is_none_or(|&tag| tag == ID_TAG)
}

/// `a == b`, comparing up to 16 bytes in two overlapping loads instead of calling
/// `memcmp`: a type's prefix (its namespace and name with their tags and lengths) is
/// rarely longer, and the call cost more than the comparison (measured: 18 instructions in
/// `memcmp` for each of the two lookups a batch makes).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    fn u64_at(bytes: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
    }
    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
    }
    let len = a.len();
    if len != b.len() {
        return false;
    }
    match len {
        8..=16 => u64_at(a, 0) == u64_at(b, 0) && u64_at(a, len - 8) == u64_at(b, len - 8),
        4..8 => u32_at(a, 0) == u32_at(b, 0) && u32_at(a, len - 4) == u32_at(b, len - 4),
        _ => a == b,
    }
}

/// The namespace and type fields of the canonically encoded address `key`: what comes
/// before its id field.
fn type_prefix(key: &[u8]) -> &[u8] {
    let mut at = 0;
    for tag in [0x0A, 0x12] {
        if key.get(at) == Some(&tag) {
            let mut len = 0usize;
            let mut shift = 0;
            at += 1;
            while let Some(&byte) = key.get(at) {
                len |= usize::from(byte & 0x7F) << shift;
                shift += 7;
                at += 1;
                if byte & 0x80 == 0 {
                    break;
                }
            }
            at += len;
        }
    }
    &key[..at.min(key.len())]
}

impl<V: Default> TypeTable<V> {
    /// The value of the function type of the encoded address `key`.
    fn get_or_default(&mut self, key: &[u8]) -> &mut V {
        let is = |entry: &(Box<[u8]>, V)| is_of_type(key, &entry.0);
        if !self.entries.get(self.last).is_some_and(is) {
            self.last = match self.entries.iter().position(is) {
                Some(index) => index,
                None => self.insert(key),
            };
        }
        &mut self.entries[self.last].1
    }

    #[cold]
    fn insert(&mut self, key: &[u8]) -> usize {
        let prefix = if self.entries.len() < MAX_TYPES {
            type_prefix(key)
        } else {
            OTHER_KEY
        };
        match self.entries.iter().position(|entry| *entry.0 == *prefix) {
            Some(index) => index,
            None => {
                self.entries.push((prefix.into(), V::default()));
                self.entries.len() - 1
            }
        }
    }

    /// Every function type's namespace, name and value.
    fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8], &V)> {
        self.entries.iter().map(|(prefix, value)| {
            let (namespace, name) = match canonical_address_parts(prefix) {
                Some([namespace, name, _]) if **prefix != *OTHER_KEY => (namespace, name),
                _ => OTHER_TYPES,
            };
            (namespace, name, value)
        })
    }
}

/// How a delivered batch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The response was applied.
    Applied,
    /// The function asked for missing states; the batch was sent again.
    Incomplete,
    /// The call or its response failed the runtime.
    Failed(String),
}

impl Outcome {
    /// `applied`, `incomplete` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Incomplete => "incomplete",
            Self::Failed(_) => "failed",
        }
    }

    /// Why the call failed, if it did.
    pub fn error(&self) -> Option<&str> {
        match self {
            Self::Failed(error) => Some(error),
            Self::Applied | Self::Incomplete => None,
        }
    }
}

/// The `tracing` target of the debug line logged for each call a function answered (or
/// that failed): `RUST_LOG=statefun_runtime::deliveries=debug` shows just those.
pub(crate) const DELIVERY_LOG: &str = "statefun_runtime::deliveries";

/// One batch a function answered.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub seq: u64,
    pub target: AddressKey,
    /// The batch's `InvocationBatchRequest.invocations` entries, unless the batch was large.
    pub invocations: Option<Bytes>,
    /// How many invocations the batch held.
    pub batch_size: usize,
    /// When the answer arrived, on the engine's clock; see [`Observer::wall_clock`].
    pub at: Instant,
    pub latency: Duration,
    pub outcome: Outcome,
}

/// How the batch in hand ended, until [`Observer::keep`] files it with its request.
struct Pending {
    batch_size: usize,
    outcome: Outcome,
    at: Instant,
    latency: Duration,
}

/// The observation layer of one runtime.
pub(crate) struct Observer {
    /// A wall-clock reading and the engine's clock at the same moment, to give
    /// deliveries a time without reading the wall clock for each.
    epoch: (Instant, SystemTime),
    ring: VecDeque<Delivery>,
    next_seq: u64,
    functions: TypeTable<LiveStats>,
    pending: Option<Pending>,
    /// Messages sent, batches answered, invocations delivered, over every function type.
    pub messages: u64,
}

impl Default for Observer {
    fn default() -> Self {
        Self {
            epoch: (Instant::now(), SystemTime::now()),
            ring: VecDeque::with_capacity(DELIVERY_RING),
            next_seq: 0,
            functions: TypeTable::default(),
            pending: None,
            messages: 0,
        }
    }
}

impl Observer {
    /// Records that the function answered `call` with effects at `now`: counters,
    /// latency, and the types its messages go to.
    pub fn answered<'a>(
        &mut self,
        call: &Call,
        targets: impl Iterator<Item = &'a AddressKey>,
        now: Instant,
    ) {
        let stats = self.count(call, Outcome::Applied, now);
        stats.invocations += call.batch_size as u64;
        let mut messages = 0;
        for target in targets {
            *stats.sent_to.get_or_default(target.encoded()) += 1;
            messages += 1;
        }
        self.messages += messages;
    }

    /// Records that the function asked for missing states in answer to `call`.
    pub fn incomplete(&mut self, call: &Call, now: Instant) {
        self.count(call, Outcome::Incomplete, now).incomplete += 1;
    }

    /// Records that `call` failed (every attempt, or its answer) and so failed the
    /// runtime, as the engine learned at `now`.
    pub fn failed(&mut self, call: &Call, failure: &Error, now: Instant) {
        let kind = kind_name(&format!("{:?}", failure.kind()));
        let outcome = Outcome::Failed(failure.to_string());
        let failures = &mut self.count(call, outcome, now).failures;
        match failures.iter_mut().find(|(name, _)| *name == kind) {
            Some((_, count)) => *count += 1,
            None => failures.push((kind, 1)),
        }
    }

    /// Counts the batch and its latency, notes how it ended, and gives its type's counters.
    // Inlined into each caller: as a call of its own it cost a tenth of what observing a
    // batch costs.
    #[inline(always)]
    fn count(&mut self, call: &Call, outcome: Outcome, now: Instant) -> &mut LiveStats {
        let batch_size = call.batch_size;
        let latency = now.saturating_duration_since(call.started);
        // With debug off, this is a level check: the fields are only evaluated when on.
        tracing::debug!(
            target: DELIVERY_LOG,
            address = %call.target.to_address(),
            batch = batch_size,
            outcome = %outcome.name(),
            latency = ?latency,
            error = outcome.error(),
            "delivered",
        );
        self.pending = Some(Pending {
            batch_size,
            outcome,
            at: now,
            latency,
        });
        let stats = self.functions.get_or_default(call.target.encoded());
        stats.batches += 1;
        stats.latency.record(latency);
        stats
    }

    /// Files the batch of `call`, which the engine is done with, in the ring of
    /// deliveries. Its request and target move in: keeping them costs no copy and no
    /// reference count, and their memory is freed when the ring drops them instead.
    pub fn keep(&mut self, call: Call) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        // The invocations keep the whole request (states included) alive.
        let invocations = (call.request.len() <= KEPT_REQUEST).then(|| {
            let mut request = call.request;
            request.advance(call.invocations_at);
            request
        });
        if self.ring.len() == DELIVERY_RING {
            self.ring.pop_front();
        }
        self.ring.push_back(Delivery {
            seq: self.next_seq,
            target: call.target,
            invocations,
            batch_size: pending.batch_size,
            at: pending.at,
            latency: pending.latency,
            outcome: pending.outcome,
        });
        self.next_seq += 1;
    }

    /// The engine's instant `at` on the wall clock.
    pub fn wall_clock(&self, at: Instant) -> SystemTime {
        let (instant, wall) = self.epoch;
        if at >= instant {
            wall + (at - instant)
        } else {
            wall - (instant - at)
        }
    }

    /// The deliveries kept, oldest first.
    pub fn deliveries(&self) -> impl DoubleEndedIterator<Item = &Delivery> {
        self.ring.iter()
    }

    /// The counters of every function type seen, by `namespace/name`.
    pub fn functions(&self) -> Vec<(String, FunctionStats)> {
        let mut functions: Vec<(String, FunctionStats)> = self
            .functions
            .iter()
            .map(|(namespace, name, live)| {
                let mut sent_to: Vec<(String, u64)> = live
                    .sent_to
                    .iter()
                    .map(|(namespace, name, count)| (type_name(namespace, name), *count))
                    .collect();
                sent_to.sort();
                let stats = FunctionStats {
                    batches: live.batches,
                    invocations: live.invocations,
                    incomplete: live.incomplete,
                    failures: live.failures.clone(),
                    sent_to,
                    latency: live.latency.clone(),
                };
                (type_name(namespace, name), stats)
            })
            .collect();
        functions.sort_by(|a, b| a.0.cmp(&b.0));
        functions
    }
}

/// Attempts that failed, by function type and transport error kind: counted by the call
/// tasks, outside the engine's lock, and rare enough for a lock of their own. As the other
/// counters, at most [`MAX_TYPES`] function types are counted apart.
#[derive(Default)]
pub(crate) struct AttemptFailures {
    counts: Mutex<TypeTable<[u64; ATTEMPT_FAILURE_KINDS.len()]>>,
}

impl AttemptFailures {
    pub fn record(&self, target: &AddressKey, cause: &TransportError) {
        let Some(index) = ATTEMPT_FAILURE_KINDS
            .iter()
            .position(|kind| *kind == cause.kind())
        else {
            return;
        };
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get_or_default(target.encoded())[index] += 1;
    }

    /// The counts by `namespace/name`.
    pub fn snapshot(&self) -> Vec<(String, [u64; ATTEMPT_FAILURE_KINDS.len()])> {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts
            .iter()
            .map(|(namespace, name, counts)| (type_name(namespace, name), *counts))
            .collect()
    }
}

fn type_name(namespace: &[u8], name: &[u8]) -> String {
    format!(
        "{}/{}",
        String::from_utf8_lossy(namespace),
        String::from_utf8_lossy(name)
    )
}

/// `CallFailed` as `call_failed`.
pub(crate) fn kind_name(debug: &str) -> String {
    let mut name = String::with_capacity(debug.len() + 4);
    for (index, character) in debug.chars().enumerate() {
        if character.is_ascii_uppercase() {
            if index > 0 {
                name.push('_');
            }
            name.push(character.to_ascii_lowercase());
        } else {
            name.push(character);
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use statefun_protocol::Address;

    use super::*;

    #[test]
    fn quantiles_name_the_bucket_bound() {
        let mut histogram = Histogram::default();
        assert_eq!(histogram.quantile_ms(0.5), None);
        for _ in 0..98 {
            histogram.record(Duration::from_micros(700));
        }
        histogram.record(Duration::from_millis(20));
        histogram.record(Duration::from_secs(500));
        assert_eq!(histogram.quantile_ms(0.5), Some(1.0));
        assert_eq!(histogram.quantile_ms(0.99), Some(25.0));
        assert_eq!(histogram.quantile_ms(1.0), Some(f64::INFINITY));
        assert_eq!(histogram.count, 100);
        assert_eq!(histogram.buckets.iter().sum::<u64>(), 100);
    }

    #[test]
    fn bytes_compare_equal_exactly_when_they_are() {
        let bytes: Vec<u8> = (0..40).collect();
        for len in 0..bytes.len() {
            let a = &bytes[..len];
            assert!(same_bytes(a, a), "{len}");
            let copy = a.to_vec();
            assert!(same_bytes(a, &copy), "{len}, another allocation");
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x40;
                assert!(!same_bytes(a, &b), "{len} bytes, differing at {at}");
            }
            assert!(
                !same_bytes(a, &bytes[..len + 1]),
                "{len} against {}",
                len + 1
            );
        }
    }

    #[test]
    fn types_past_the_limit_share_one_entry() {
        let key = |name: &str, id: &str| AddressKey::from(&Address::new("ns", name, id));
        let mut table = TypeTable::<u64>::default();
        for index in 0..MAX_TYPES + 10 {
            *table.get_or_default(key(&index.to_string(), "a").encoded()) += 1;
        }
        *table.get_or_default(key("0", "b").encoded()) += 1;
        assert_eq!(table.entries.len(), MAX_TYPES + 1);
        let counts: Vec<(&[u8], &[u8], u64)> = table
            .iter()
            .map(|(namespace, name, count)| (namespace, name, *count))
            .collect();
        assert_eq!(counts[0], (&b"ns"[..], &b"0"[..], 2));
        assert_eq!(counts[MAX_TYPES], (OTHER_TYPES.0, OTHER_TYPES.1, 10));
    }

    #[test]
    fn a_key_is_found_by_its_namespace_and_type_alone() {
        let addresses = [
            Address::new("ns", "fn", "id"),
            Address::new("ns", "fn", ""),
            Address::new("ns", "fn", "\x1a\x12"),
            Address::new("ns", "fnx", "id"),
            Address::new("ns", "f", "nid"),
            Address::new("nsf", "n", "id"),
            Address::new("", "fn", "id"),
            Address::new("ns", "", "id"),
            Address::new("", "", ""),
            Address::new("ns", "fn", "x".repeat(300)),
            // An id whose length is the id field's tag.
            Address::new("ns", "fn", "y".repeat(usize::from(ID_TAG))),
            Address::new("n".repeat(200), "fn", "id"),
        ];
        let mut table = TypeTable::<u64>::default();
        for address in &addresses {
            *table.get_or_default(AddressKey::from(address).encoded()) += 1;
        }
        let counts: Vec<(String, u64)> = table
            .iter()
            .map(|(namespace, name, count)| (type_name(namespace, name), *count))
            .collect();
        let expected: Vec<(String, u64)> = [
            ("ns/fn", 5),
            ("ns/fnx", 1),
            ("ns/f", 1),
            ("nsf/n", 1),
            ("/fn", 1),
            ("ns/", 1),
            ("/", 1),
            (&format!("{}/fn", "n".repeat(200)), 1),
        ]
        .into_iter()
        .map(|(name, count)| (name.to_string(), count))
        .collect();
        assert_eq!(counts, expected);
    }

    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn each_call_is_logged_at_debug_level_with_its_outcome() {
        use bytes::Bytes;
        use http_body_util::Full;
        use statefun_protocol::{Address, TypedValue};

        use crate::{Endpoint, FailurePolicy, Runtime};

        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .finish();
        // The test's single-threaded runtime runs every call task on this thread.
        let _guard = tracing::subscriber::set_default(subscriber);

        let answers = tower::service_fn(|_: http::Request<Full<Bytes>>| async {
            http::Response::builder()
                .header("content-type", "application/octet-stream")
                .body(Full::new(Bytes::new()))
        });
        let fails = tower::service_fn(|_: http::Request<Full<Bytes>>| async {
            http::Response::builder()
                .status(500)
                .body(Full::new(Bytes::from_static(b"broken")))
        });
        let runtime = Runtime::builder()
            .endpoint("ok/*".parse().unwrap(), Endpoint::service(answers))
            .endpoint(
                "bad/*".parse().unwrap(),
                Endpoint::service(fails).max_attempts(1),
            )
            .on_failure(FailurePolicy::PARK)
            .build();
        for target in [Address::new("ok", "f", "a"), Address::new("bad", "f", "b")] {
            runtime
                .send(target, TypedValue::new("t/text", b"hi".to_vec()))
                .await
                .unwrap();
        }
        runtime.run_until_quiescent().await.unwrap();

        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = log
            .lines()
            .filter(|line| line.contains(DELIVERY_LOG))
            .collect();
        assert_eq!(lines.len(), 2, "one line per call: {log}");
        let applied = lines.iter().find(|l| l.contains("address=ok/f/a")).unwrap();
        assert!(applied.contains("DEBUG"), "{applied}");
        assert!(applied.contains("batch=1"), "{applied}");
        assert!(applied.contains("outcome=applied"), "{applied}");
        assert!(applied.contains("latency="), "{applied}");
        let failed = lines
            .iter()
            .find(|l| l.contains("address=bad/f/b"))
            .unwrap();
        assert!(failed.contains("outcome=failed"), "{failed}");
        assert!(
            failed.contains("error=") && failed.contains("500"),
            "{failed}"
        );
    }

    #[tokio::test]
    async fn the_delivery_ring_and_the_counters_are_bounded() {
        use bytes::Bytes;
        use http_body_util::Full;
        use statefun_protocol::{Address, TypedValue};

        use crate::{Endpoint, Runtime};

        let answers = tower::service_fn(|_: http::Request<Full<Bytes>>| async {
            http::Response::builder()
                .header("content-type", "application/octet-stream")
                .body(Full::new(Bytes::new()))
        });
        let runtime = Runtime::builder()
            .endpoint("ok/*".parse().unwrap(), Endpoint::service(answers))
            .build();
        let send = |function: String, id: String, bytes: usize| {
            runtime.send(
                Address::new("ok", function, id),
                TypedValue::new("t/bytes", vec![7u8; bytes]),
            )
        };
        // More deliveries than the ring holds, to more function types than are counted
        // apart, the last one too large to keep.
        for index in 0..DELIVERY_RING + 100 {
            let function = format!("f{}", index % (MAX_TYPES + 44));
            send(function, index.to_string(), 10).await.unwrap();
        }
        send("f0".into(), "large".into(), KEPT_REQUEST + 1)
            .await
            .unwrap();
        runtime.run_until_quiescent().await.unwrap();

        let engine = runtime.shared.lock();
        let observe = &engine.observe;
        assert_eq!(observe.ring.len(), DELIVERY_RING);
        assert_eq!(observe.next_seq, (DELIVERY_RING + 101) as u64);
        let newest = observe.ring.back().unwrap();
        assert_eq!(newest.batch_size, 1);
        assert!(newest.invocations.is_none(), "a large request is not kept");
        let kept: usize = observe
            .ring
            .iter()
            .filter_map(|delivery| delivery.invocations.as_ref())
            .map(Bytes::len)
            .sum();
        assert!(kept <= DELIVERY_RING * KEPT_REQUEST, "{kept} bytes kept");
        let functions = observe.functions();
        assert_eq!(functions.len(), MAX_TYPES + 1, "the rest share one entry");
        let batches: u64 = functions.iter().map(|(_, stats)| stats.batches).sum();
        assert_eq!(batches, (DELIVERY_RING + 101) as u64, "nothing is lost");
    }

    #[test]
    fn error_kinds_are_snake_cased() {
        assert_eq!(kind_name("CallFailed"), "call_failed");
        assert_eq!(kind_name("UnknownFunctionType"), "unknown_function_type");
    }
}
