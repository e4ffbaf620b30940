//! The playground egress with its StateFun 2.x meaning: functions send it what a 2.x
//! generic Kafka egress takes, a `KafkaProducerRecord`, and it queues the record's value
//! under its topic, to be read with `GET /<topic>`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use prost::Message as _;
use statefun_protocol::TypedValue;
use statefun_protocol::egress::KafkaProducerRecord;

use super::{DEFAULT_TOPIC_MAX_BYTES, TopicRead};
use crate::egress::{EgressRejection, EgressSink, expect_typename};

/// The typename a Kafka record reaches the egresses with (2.x records of any type URL
/// prefix are given it on the way in, see [`crate::v2`]).
const KAFKA_RECORD: &str = "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord";
/// Each topic keeps at most this many unread messages; newer ones are dropped with a log line.
const TOPIC_CAPACITY: usize = 1 << 20;

/// A 2.x playground egress: one in-memory queue per declared topic. Clones share the queues.
///
/// ```
/// use prost::Message as _;
/// use statefun_runtime::egress::EgressSink;
/// use statefun_runtime::playground::{PlaygroundEgressV2, TopicRead};
/// use statefun_runtime::protocol::TypedValue;
/// use statefun_runtime::protocol::egress::KafkaProducerRecord;
///
/// let egress = PlaygroundEgressV2::new(["greetings".to_owned()]);
/// let record = KafkaProducerRecord { key: String::new(), value_bytes: "Hi".into(), topic: "greetings".into() };
/// let record = TypedValue::new(
///     "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord",
///     record.encode_to_vec(),
/// );
/// egress.check(&record).unwrap();
/// egress.accept(record);
/// assert_eq!(egress.pop("greetings"), TopicRead::Message("Hi".into()));
/// assert_eq!(egress.pop("greetings"), TopicRead::Empty);
/// assert_eq!(egress.pop("other"), TopicRead::Undeclared);
/// ```
///
/// Each topic keeps at most 2²⁰ unread messages and at most
/// [`max_bytes_per_topic`](Self::max_bytes_per_topic) bytes of them (64 MiB by default); a
/// message that does not fit is dropped with a log line, as by the 3.x playground egress.
#[derive(Debug, Clone)]
pub struct PlaygroundEgressV2 {
    topics: Arc<Mutex<HashMap<String, Topic>>>,
    max_bytes: usize,
}

#[derive(Debug, Default)]
struct Topic {
    unread: VecDeque<Bytes>,
    bytes: usize,
}

impl PlaygroundEgressV2 {
    /// An egress with these topics.
    pub fn new(topics: impl IntoIterator<Item = String>) -> Self {
        let topics = topics
            .into_iter()
            .map(|topic| (topic, Topic::default()))
            .collect();
        Self {
            topics: Arc::new(Mutex::new(topics)),
            max_bytes: DEFAULT_TOPIC_MAX_BYTES,
        }
    }

    /// Bounds each topic's unread messages to `bytes` in all.
    pub fn max_bytes_per_topic(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Takes the oldest unread message of `topic`.
    pub fn pop(&self, topic: &str) -> TopicRead {
        match self.lock().get_mut(topic) {
            None => TopicRead::Undeclared,
            Some(topic) => match topic.unread.pop_front() {
                None => TopicRead::Empty,
                Some(message) => {
                    topic.bytes -= message.len();
                    TopicRead::Message(message)
                }
            },
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Topic>> {
        self.topics.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn parse_record(value: &TypedValue) -> Result<KafkaProducerRecord, EgressRejection> {
    expect_typename(value, KAFKA_RECORD)?;
    KafkaProducerRecord::decode(value.value.clone())
        .map_err(|error| EgressRejection::Malformed(error.into()))
}

impl EgressSink for PlaygroundEgressV2 {
    fn check(&self, value: &TypedValue) -> Result<(), EgressRejection> {
        let record = parse_record(value)?;
        if self.lock().contains_key(&record.topic) {
            Ok(())
        } else {
            Err(EgressRejection::UndeclaredTopic(record.topic))
        }
    }

    fn accept(&self, value: TypedValue) {
        let Ok(record) = parse_record(&value) else {
            return;
        };
        let len = record.value_bytes.len();
        if let Some(queue) = self.lock().get_mut(&record.topic) {
            if queue.unread.len() >= TOPIC_CAPACITY {
                tracing::info!(topic = %record.topic, "dropping a message: the topic holds {TOPIC_CAPACITY} unread messages");
            } else if queue.bytes.saturating_add(len) > self.max_bytes {
                tracing::info!(
                    topic = %record.topic,
                    "dropping a message of {len} bytes: the topic's unread messages would exceed {} bytes",
                    self.max_bytes
                );
            } else {
                queue.bytes += len;
                queue.unread.push_back(record.value_bytes);
            }
        }
    }
}

/// `GET /<topic>`: 200 with the oldest message, 404 when there is none, 405 for an
/// undeclared topic.
pub(crate) fn egress_v2_service(
    egress: PlaygroundEgressV2,
) -> impl Fn(http::Request<hyper::body::Incoming>) -> std::future::Ready<http::Response<Full<Bytes>>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |request| {
        let topic = request.uri().path().trim_start_matches('/');
        let (status, body) = match egress.pop(topic) {
            TopicRead::Message(message) => (StatusCode::OK, message),
            TopicRead::Empty => (StatusCode::NOT_FOUND, Bytes::new()),
            TopicRead::Undeclared => (StatusCode::METHOD_NOT_ALLOWED, Bytes::new()),
        };
        let mut response = http::Response::new(Full::new(body));
        *response.status_mut() = status;
        std::future::ready(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_of_other_types_or_topics_are_rejected() {
        let egress = PlaygroundEgressV2::new(["a".to_owned()]);
        let record = |topic: &str| {
            TypedValue::new(
                KAFKA_RECORD,
                KafkaProducerRecord {
                    key: String::new(),
                    value_bytes: Bytes::from_static(b"v"),
                    topic: topic.into(),
                }
                .encode_to_vec(),
            )
        };
        assert!(egress.check(&record("a")).is_ok());
        assert!(matches!(
            egress.check(&record("b")),
            Err(EgressRejection::UndeclaredTopic(topic)) if topic == "b"
        ));
        assert!(matches!(
            egress.check(&TypedValue::new("example/Other", Bytes::new())),
            Err(EgressRejection::WrongTypename { .. })
        ));
        assert!(matches!(
            egress.check(&TypedValue::new(
                KAFKA_RECORD,
                Bytes::from_static(&[0x0A, 9])
            )),
            Err(EgressRejection::Malformed(_))
        ));
    }
}
