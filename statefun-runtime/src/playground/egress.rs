use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use serde_json::Value;
use statefun_protocol::TypedValue;

use crate::egress::{EgressRejection, EgressSink, expect_typename};

/// The egress id functions send playground records to.
pub const EGRESS_ID: &str = "io.statefun.playground/egress";
/// The typename of a playground record: JSON `{"topic": "...", "payload": "..."}`.
pub const EGRESS_RECORD_TYPENAME: &str = "io.statefun.playground/EgressRecord";
/// Each topic keeps at most this many unread messages; newer ones are dropped with a log line.
const TOPIC_CAPACITY: usize = 1 << 20;

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
#[derive(Debug, Clone)]
pub struct PlaygroundEgress {
    topics: Arc<Mutex<HashMap<String, VecDeque<Bytes>>>>,
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
            .map(|topic| (topic, VecDeque::new()))
            .collect();
        Self {
            topics: Arc::new(Mutex::new(topics)),
        }
    }

    /// Takes the oldest unread message of `topic`.
    pub fn pop(&self, topic: &str) -> TopicRead {
        match self.lock().get_mut(topic) {
            None => TopicRead::Undeclared,
            Some(queue) => queue
                .pop_front()
                .map_or(TopicRead::Empty, TopicRead::Message),
        }
    }

    /// The length of `topic` and up to `limit` of its oldest messages, consuming nothing;
    /// `None` for an undeclared topic.
    pub fn peek(&self, topic: &str, limit: usize) -> Option<(usize, Vec<Bytes>)> {
        let topics = self.lock();
        let queue = topics.get(topic)?;
        Some((queue.len(), queue.iter().take(limit).cloned().collect()))
    }

    /// Every declared topic and how many unread messages it holds, by name.
    pub fn topic_lengths(&self) -> Vec<(String, usize)> {
        let mut lengths: Vec<_> = self
            .lock()
            .iter()
            .map(|(topic, queue)| (topic.clone(), queue.len()))
            .collect();
        lengths.sort();
        lengths
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Bytes>>> {
        self.topics.lock().unwrap_or_else(PoisonError::into_inner)
    }
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
        if self.lock().contains_key(&topic) {
            Ok(())
        } else {
            Err(EgressRejection::UndeclaredTopic(topic))
        }
    }

    fn accept(&self, value: TypedValue) {
        let Ok((topic, payload)) = parse_record(&value) else {
            return;
        };
        if let Some(queue) = self.lock().get_mut(&topic) {
            if queue.len() >= TOPIC_CAPACITY {
                tracing::info!(%topic, %payload, "dropping a message: the topic's queue is full");
            } else {
                queue.push_back(Bytes::from(payload));
            }
        }
    }
}

/// `GET /<topic>`: 200 with the oldest message, 404 when there is none, 405 for an
/// undeclared topic. The method is not checked, as in the playground.
pub(crate) fn egress_service(
    egress: PlaygroundEgress,
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
