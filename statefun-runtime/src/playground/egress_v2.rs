//! The playground egress with its StateFun 2.x meaning: functions send it what a 2.x
//! generic Kafka egress takes, a `KafkaProducerRecord`, and it queues the record's value
//! under its topic, to be read with `GET /<topic>`.

use prost::Message as _;
use statefun_protocol::TypedValue;
use statefun_protocol::egress::KafkaProducerRecord;

use super::{PlaygroundEgress, TopicRead};
use crate::egress::{EgressRejection, EgressSink, expect_typename};

/// The typename a Kafka record reaches the egresses with (2.x records of any type URL
/// prefix are given it on the way in, see [`crate::v2`]).
const KAFKA_RECORD: &str = "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord";

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
    // The topics and their bounds are the 3.x egress's: only the records differ.
    queues: PlaygroundEgress,
}

impl PlaygroundEgressV2 {
    /// An egress with these topics.
    pub fn new(topics: impl IntoIterator<Item = String>) -> Self {
        Self {
            queues: PlaygroundEgress::new(topics),
        }
    }

    /// Bounds each topic's unread messages to `bytes` in all.
    pub fn max_bytes_per_topic(mut self, bytes: usize) -> Self {
        self.queues = self.queues.max_bytes_per_topic(bytes);
        self
    }

    /// Takes the oldest unread message of `topic`.
    pub fn pop(&self, topic: &str) -> TopicRead {
        self.queues.pop(topic)
    }

    /// The topics' queues, served over HTTP as the 3.x egress's are.
    pub(crate) fn queues(&self) -> &PlaygroundEgress {
        &self.queues
    }
}

/// The topic and value of a record that passed [`EgressSink::check`].
pub(crate) fn topic_and_payload(value: &TypedValue) -> Option<(String, bytes::Bytes)> {
    parse_record(value)
        .ok()
        .map(|record| (record.topic, record.value_bytes))
}

fn parse_record(value: &TypedValue) -> Result<KafkaProducerRecord, EgressRejection> {
    expect_typename(value, KAFKA_RECORD)?;
    KafkaProducerRecord::decode(value.value.clone())
        .map_err(|error| EgressRejection::Malformed(error.into()))
}

impl EgressSink for PlaygroundEgressV2 {
    fn check(&self, value: &TypedValue) -> Result<(), EgressRejection> {
        let record = parse_record(value)?;
        if self.queues.has_topic(&record.topic) {
            Ok(())
        } else {
            Err(EgressRejection::UndeclaredTopic(record.topic))
        }
    }

    fn accept(&self, value: TypedValue) {
        if let Ok(record) = parse_record(&value) {
            self.queues.enqueue(&record.topic, record.value_bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

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
