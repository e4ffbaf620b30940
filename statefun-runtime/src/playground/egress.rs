use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use serde_json::Value;
use statefun_protocol::TypedValue;

use crate::egress::{EgressRejection, EgressSink, expect_typename};
use crate::store::StoreHandle;

/// The egress id functions send playground records to.
pub const EGRESS_ID: &str = "io.statefun.playground/egress";
/// The typename of a playground record: JSON `{"topic": "...", "payload": "..."}`.
pub const EGRESS_RECORD_TYPENAME: &str = "io.statefun.playground/EgressRecord";
/// Each topic keeps at most this many unread messages; newer ones are dropped with a log line.
pub(super) const TOPIC_CAPACITY: usize = 1 << 20;
/// The default bound of a topic's unread payload bytes: 64 MiB.
pub const DEFAULT_TOPIC_MAX_BYTES: usize = 64 * 1024 * 1024;

/// The playground egress: one in-memory queue per declared topic, read over HTTP with
/// `GET /<topic>`. Clones share the queues.
///
/// ```
/// use statefun_runtime::egress::EgressSink;
/// use statefun_runtime::playground::{PlaygroundEgress, TopicRead, EGRESS_RECORD_TYPENAME};
/// use statefun_runtime::protocol::TypedValue;
///
/// let egress = PlaygroundEgress::new(["greetings".to_owned()]);
/// let record = TypedValue::new(EGRESS_RECORD_TYPENAME, &br#"{"topic":"greetings","payload":"Hi"}"#[..]);
/// egress.check(&record).unwrap();
/// egress.accept(record);
/// assert_eq!(egress.pop("greetings"), TopicRead::Message("Hi".into()));
/// assert_eq!(egress.pop("greetings"), TopicRead::Empty);
/// assert_eq!(egress.pop("other"), TopicRead::Undeclared);
/// ```
///
/// Each topic keeps at most 2²⁰ unread messages, as the playground, and at most
/// [`max_bytes_per_topic`](Self::max_bytes_per_topic) bytes of them (64 MiB by default);
/// a message that does not fit is dropped with a log line.
///
/// When the runtime binary or [`LocalStatefun`](crate::local::LocalStatefun) runs with a
/// state directory (`--state-dir`), the records are stored with the response that sent
/// them and removed when a `GET` takes them, so that they survive a restart.
#[derive(Debug, Clone)]
pub struct PlaygroundEgress {
    pub(super) shared: Arc<Shared>,
    pub(super) max_bytes: usize,
}

#[derive(Debug, Default)]
pub(super) struct Shared {
    pub topics: Mutex<HashMap<String, Topic>>,
    /// Where taken records are removed from, when the runtime keeps a store.
    pub durable: OnceLock<Durable>,
}

#[derive(Debug)]
pub(super) struct Durable {
    /// The egress id the records are stored under.
    pub id: String,
    pub store: StoreHandle,
}

#[derive(Debug, Default)]
pub(super) struct Topic {
    pub unread: VecDeque<Unread>,
    /// The payload bytes of the unread records and of those reserved.
    pub bytes: usize,
    /// Records being committed: they count toward the bounds before they can be read.
    pub reserved: usize,
}

#[derive(Debug)]
pub(super) struct Unread {
    /// Its key in the store (0 without one).
    pub seq: u64,
    pub payload: Bytes,
}

/// What reading a topic gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicRead {
    /// The oldest unread message.
    Message(Bytes),
    /// The topic has no unread message.
    Empty,
    /// No such topic was declared.
    Undeclared,
}

impl PlaygroundEgress {
    /// An egress with these topics.
    pub fn new(topics: impl IntoIterator<Item = String>) -> Self {
        let topics = topics
            .into_iter()
            .map(|topic| (topic, Topic::default()))
            .collect();
        Self {
            shared: Arc::new(Shared {
                topics: Mutex::new(topics),
                durable: OnceLock::new(),
            }),
            max_bytes: DEFAULT_TOPIC_MAX_BYTES,
        }
    }

    /// Bounds each topic's unread messages to `bytes` in all (payload bytes).
    pub fn max_bytes_per_topic(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Takes the oldest unread message of `topic`. With a store, its removal from the
    /// store is queued, and durable soon after; a `GET` waits for it.
    pub fn pop(&self, topic: &str) -> TopicRead {
        let (read, _removed) = self.take_front(topic);
        read
    }

    /// The oldest unread message of `topic`, left in place.
    pub fn peek(&self, topic: &str) -> TopicRead {
        match self.lock().get(topic) {
            None => TopicRead::Undeclared,
            Some(topic) => topic.unread.front().map_or(TopicRead::Empty, |unread| {
                TopicRead::Message(unread.payload.clone())
            }),
        }
    }

    /// How many unread messages `topic` holds and up to `limit` of the oldest, consuming
    /// nothing; `None` for an undeclared topic.
    pub fn peek_oldest(&self, topic: &str, limit: usize) -> Option<(usize, Vec<Bytes>)> {
        let topics = self.lock();
        let topic = topics.get(topic)?;
        let oldest = topic
            .unread
            .iter()
            .take(limit)
            .map(|unread| unread.payload.clone())
            .collect();
        Some((topic.unread.len(), oldest))
    }

    /// Every declared topic and how many unread messages it holds, by name.
    pub fn topic_lengths(&self) -> Vec<(String, usize)> {
        let mut lengths: Vec<_> = self
            .lock()
            .iter()
            .map(|(name, topic)| (name.clone(), topic.unread.len()))
            .collect();
        lengths.sort();
        lengths
    }

    /// Whether `topic` was declared.
    pub(crate) fn has_topic(&self, topic: &str) -> bool {
        self.lock().contains_key(topic)
    }

    /// Queues `message` under `topic` if it fits the topic's bounds; drops it with a log
    /// line otherwise, as upstream's playground does, and ignores an undeclared topic.
    pub(crate) fn enqueue(&self, topic: &str, message: Bytes) {
        let mut topics = self.lock();
        let Some(queue) = topics.get_mut(topic) else {
            return;
        };
        if self.fits(topic, queue, message.len()) {
            queue.bytes += message.len();
            queue.unread.push_back(Unread {
                seq: 0,
                payload: message,
            });
        }
    }

    /// Whether a message of `len` bytes fits `queue`'s bounds; logs why not.
    pub(super) fn fits(&self, topic: &str, queue: &Topic, len: usize) -> bool {
        if queue.unread.len() + queue.reserved >= TOPIC_CAPACITY {
            tracing::info!(%topic, "dropping a message: the topic holds {TOPIC_CAPACITY} unread messages");
            false
        } else if queue.bytes.saturating_add(len) > self.max_bytes {
            tracing::info!(
                %topic,
                "dropping a message of {len} bytes: the topic's unread messages would exceed {} bytes",
                self.max_bytes
            );
            false
        } else {
            true
        }
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Topic>> {
        self.shared
            .topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The topic and payload of a record that passed [`EgressSink::check`].
pub(crate) fn topic_and_payload(value: &TypedValue) -> Option<(String, Bytes)> {
    parse_record(value)
        .ok()
        .map(|(topic, payload)| (topic, Bytes::from(payload)))
}

/// Reads a record as the playground does: a JSON object whose `payload` is a string
/// (Jackson also takes a number or boolean as its text).
fn parse_record(value: &TypedValue) -> Result<(String, String), EgressRejection> {
    expect_typename(value, EGRESS_RECORD_TYPENAME)?;
    let malformed = |problem: &str| EgressRejection::Malformed(problem.to_owned().into());
    let record: Value = serde_json::from_slice(&value.value)
        .map_err(|error| EgressRejection::Malformed(error.into()))?;
    let field = |name: &str| match record.get(name) {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(scalar @ (Value::Number(_) | Value::Bool(_))) => Ok(scalar.to_string()),
        _ => Err(malformed(&format!("`{name}` is missing or not a string"))),
    };
    Ok((field("topic")?, field("payload")?))
}

impl EgressSink for PlaygroundEgress {
    fn check(&self, value: &TypedValue) -> Result<(), EgressRejection> {
        let (topic, _) = parse_record(value)?;
        if self.has_topic(&topic) {
            Ok(())
        } else {
            Err(EgressRejection::UndeclaredTopic(topic))
        }
    }

    fn accept(&self, value: TypedValue) {
        if let Ok((topic, payload)) = parse_record(&value) {
            self.enqueue(&topic, Bytes::from(payload));
        }
    }
}

/// The answer to a topic's request, once what it took is durable.
pub(crate) type TopicAnswer =
    std::pin::Pin<Box<dyn std::future::Future<Output = http::Response<Full<Bytes>>> + Send>>;

/// `GET /<topic>`: 200 with the oldest message, 404 when there is none, 405 for an
/// undeclared topic. Other methods read as `GET` does, as in the playground, but for
/// `HEAD`, which answers the same status and leaves the message unread.
pub(crate) fn egress_service(
    egress: PlaygroundEgress,
) -> impl Fn(http::Request<hyper::body::Incoming>) -> TopicAnswer + Clone + Send + Sync + 'static {
    move |request| {
        let topic = request.uri().path().trim_start_matches('/');
        // Taken now, not when the future is first polled: a client gone before the
        // answer loses the record, as without a store, but it never comes back.
        let (read, removed) = if request.method() == http::Method::HEAD {
            (egress.peek(topic), None)
        } else {
            egress.take_front(topic)
        };
        Box::pin(async move {
            let (status, body) = match read {
                // A taken record is answered once its removal is durable, so that
                // it does not come back after a crash.
                TopicRead::Message(message) => match removed {
                    Some(removed) => match removed.wait().await {
                        Ok(()) => (StatusCode::OK, message),
                        Err(error) => (
                            StatusCode::SERVICE_UNAVAILABLE,
                            Bytes::from(format!("the record cannot be taken: {error}")),
                        ),
                    },
                    None => (StatusCode::OK, message),
                },
                TopicRead::Empty => (StatusCode::NOT_FOUND, Bytes::new()),
                TopicRead::Undeclared => (StatusCode::METHOD_NOT_ALLOWED, Bytes::new()),
            };
            let mut response = http::Response::new(Full::new(body));
            *response.status_mut() = status;
            response
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_topic_is_bounded_by_bytes_and_drops_what_does_not_fit() {
        let egress = PlaygroundEgress::new(["a".to_owned()]).max_bytes_per_topic(10);
        for payload in ["123456", "7890", "x"] {
            egress.accept(record(&format!(r#"{{"topic":"a","payload":"{payload}"}}"#)));
        }
        assert_eq!(egress.pop("a"), TopicRead::Message("123456".into()));
        egress.accept(record(r#"{"topic":"a","payload":"abcdef"}"#));
        assert_eq!(egress.peek("a"), TopicRead::Message("7890".into()));
        assert_eq!(egress.pop("a"), TopicRead::Message("7890".into()));
        assert_eq!(egress.pop("a"), TopicRead::Message("abcdef".into()));
        assert_eq!(egress.pop("a"), TopicRead::Empty, "`x` was dropped");
    }

    fn record(json: &str) -> TypedValue {
        TypedValue::new(EGRESS_RECORD_TYPENAME, Bytes::from(json.to_owned()))
    }

    #[test]
    fn records_for_undeclared_topics_or_of_other_types_are_rejected() {
        let egress = PlaygroundEgress::new(["a".to_owned()]);
        assert!(matches!(
            egress.check(&record(r#"{"topic":"b","payload":"x"}"#)),
            Err(EgressRejection::UndeclaredTopic(topic)) if topic == "b"
        ));
        assert!(matches!(
            egress.check(&TypedValue::new("example/Other", Bytes::new())),
            Err(EgressRejection::WrongTypename { .. })
        ));
        assert!(matches!(
            egress.check(&record(r#"{"topic":"a"}"#)),
            Err(EgressRejection::Malformed(_))
        ));
        assert!(
            egress
                .check(&record(r#"{"topic":"a","payload":7}"#))
                .is_ok()
        );
    }
}
