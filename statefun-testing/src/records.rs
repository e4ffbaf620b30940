//! Egress records as a test reads them: Kafka, Kinesis and playground records decoded.

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::TypedValue;
use statefun_protocol::egress::{KafkaProducerRecord, KinesisEgressRecord};
use statefun_protocol::typename::{KAFKA_PRODUCER_RECORD, KINESIS_EGRESS_RECORD};
use statefun_sdk::types::{BoxError, Type};

use crate::convert;
use crate::error::{ReadError, ReadErrorKind};

/// A record a function sent to a Kafka egress with
/// [`KafkaEgressBuilder`](statefun_sdk::KafkaEgressBuilder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaRecord {
    /// The topic.
    pub topic: String,
    /// The key; `None` for a record without one (an empty key is none).
    pub key: Option<String>,
    /// The value bytes, as the function gave them.
    pub value: Bytes,
}

impl KafkaRecord {
    /// The record an egress message carries on the wire (a `KafkaProducerRecord`), e.g.
    /// in a function's raw response.
    pub fn from_typed_value(value: &TypedValue) -> Result<Self, ReadError> {
        kafka(value, "a Kafka egress record")
    }

    /// The value as UTF-8 text (`value_string` in the builder).
    pub fn value_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.value)
    }

    /// The value decoded with `ty` (`value(&ty, ..)` in the builder).
    pub fn value_as<T: Type>(&self, ty: &T) -> Result<T::Value, ReadError> {
        let what = format!("the value of the Kafka record on `{}`", self.topic);
        convert::decode(ty, self.value.clone(), &what)
    }
}

/// A record a function sent to a Kinesis egress with
/// [`KinesisEgressBuilder`](statefun_sdk::KinesisEgressBuilder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KinesisRecord {
    /// The stream.
    pub stream: String,
    /// The partition key.
    pub partition_key: String,
    /// The explicit hash key; `None` when not given.
    pub explicit_hash_key: Option<String>,
    /// The value bytes, as the function gave them.
    pub value: Bytes,
}

impl KinesisRecord {
    /// The value as UTF-8 text.
    pub fn value_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.value)
    }

    /// The value decoded with `ty`.
    pub fn value_as<T: Type>(&self, ty: &T) -> Result<T::Value, ReadError> {
        let what = format!("the value of the Kinesis record on `{}`", self.stream);
        convert::decode(ty, self.value.clone(), &what)
    }
}

/// A record a function sent to the playground's egress with
/// [`EgressMessage::playground`](statefun_sdk::EgressMessage::playground).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct PlaygroundRecord {
    /// The topic, which `GET /<topic>` reads.
    pub topic: String,
    /// The text `GET /<topic>` answers.
    pub payload: String,
}

/// `Option` of a protobuf string, whose absence is the empty string.
fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn wrong_type(what: &str, expected: &str, value: &TypedValue) -> ReadError {
    ReadErrorKind::WrongType {
        what: what.to_owned(),
        expected: expected.to_owned(),
        actual: value.typename.clone(),
    }
    .into()
}

fn decode_error(what: &str, typename: &str, source: impl Into<BoxError>) -> ReadError {
    ReadErrorKind::Decode {
        what: what.to_owned(),
        typename: typename.to_owned(),
        source: source.into(),
    }
    .into()
}

pub(crate) fn kafka(value: &TypedValue, what: &str) -> Result<KafkaRecord, ReadError> {
    if value.typename != KAFKA_PRODUCER_RECORD {
        return Err(wrong_type(what, KAFKA_PRODUCER_RECORD, value));
    }
    let record = KafkaProducerRecord::decode(value.value.clone())
        .map_err(|error| decode_error(what, KAFKA_PRODUCER_RECORD, error))?;
    Ok(KafkaRecord {
        topic: record.topic,
        key: non_empty(record.key),
        value: record.value_bytes,
    })
}

pub(crate) fn kinesis(value: &TypedValue, what: &str) -> Result<KinesisRecord, ReadError> {
    if value.typename != KINESIS_EGRESS_RECORD {
        return Err(wrong_type(what, KINESIS_EGRESS_RECORD, value));
    }
    let record = KinesisEgressRecord::decode(value.value.clone())
        .map_err(|error| decode_error(what, KINESIS_EGRESS_RECORD, error))?;
    Ok(KinesisRecord {
        stream: record.stream,
        partition_key: record.partition_key,
        explicit_hash_key: non_empty(record.explicit_hash_key),
        value: record.value_bytes,
    })
}

pub(crate) fn playground(value: &TypedValue, what: &str) -> Result<PlaygroundRecord, ReadError> {
    let typename = statefun_sdk::PLAYGROUND_EGRESS_RECORD.to_string();
    if value.typename != typename {
        return Err(wrong_type(what, &typename, value));
    }
    serde_json::from_slice(&value.value).map_err(|error| decode_error(what, &typename, error))
}
