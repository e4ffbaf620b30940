//! Records a function sends to egresses: generic ones, Kafka and Kinesis.

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::egress::{KafkaProducerRecord, KinesisEgressRecord};
use statefun_protocol::typename::{KAFKA_PRODUCER_RECORD, KINESIS_EGRESS_RECORD};

use crate::TypeName;
use crate::outgoing::{MessageError, MessageErrorKind};
use crate::types::{self, Type};
use crate::wire::{Egress, TypedPayload};

const KAFKA_TYPENAME: TypeName = TypeName::from_static(KAFKA_PRODUCER_RECORD);
const KINESIS_TYPENAME: TypeName = TypeName::from_static(KINESIS_EGRESS_RECORD);

/// A record for an egress, ready for [`Context::send_egress`](crate::Context::send_egress).
/// Build one with [`EgressBuilder`], [`KafkaEgressBuilder`] or [`KinesisEgressBuilder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressMessage {
    pub(crate) inner: Egress,
}

impl EgressMessage {
    /// The egress id, `namespace/name` as declared in the module.
    pub fn egress(&self) -> &TypeName {
        &self.inner.egress
    }

    /// The typename of the record.
    pub fn typename(&self) -> &TypeName {
        &self.inner.argument.typename
    }

    /// The serialized record.
    pub fn raw_value(&self) -> &Bytes {
        &self.inner.argument.value
    }
}

/// Builds a record for any egress: pick the egress, then give the value.
///
/// ```
/// use statefun_sdk::{EgressBuilder, TypeName};
///
/// const AUDIT: TypeName = TypeName::from_static("example/audit");
/// let record = EgressBuilder::to(AUDIT).string("user bob logged in");
/// assert_eq!(record.egress(), &AUDIT);
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until it is given a value and sent"]
pub struct EgressBuilder {
    egress: TypeName,
}

impl EgressBuilder {
    /// A record for the egress `egress`.
    pub fn to(egress: TypeName) -> Self {
        EgressBuilder { egress }
    }

    fn finish(self, argument: TypedPayload) -> EgressMessage {
        EgressMessage {
            inner: Egress {
                egress: self.egress,
                argument,
            },
        }
    }
}

crate::payload::value_methods!(EgressBuilder => EgressMessage);

/// The value of a Kafka or Kinesis record, or why it could not be serialized.
type RecordValue = Option<Result<Bytes, types::ValueError>>;

fn serialize_value<T: Type>(ty: &T, value: &T::Value) -> RecordValue {
    Some(types::serialize_to_bytes(ty, value))
}

fn take_value(value: RecordValue, record: &'static str) -> Result<Bytes, MessageError> {
    match value {
        None => Err(MessageErrorKind::MissingField {
            record,
            field: "value",
        }
        .into()),
        Some(result) => Ok(result?),
    }
}

/// Builds a record for a generic Kafka egress (`io.statefun.kafka.v1/egress`): a topic, an
/// optional key and the value bytes.
///
/// ```
/// use statefun_sdk::{KafkaEgressBuilder, TypeName};
///
/// const KAFKA: TypeName = TypeName::from_static("example/kafka");
/// let record = KafkaEgressBuilder::to(KAFKA)
///     .topic("greetings")
///     .key("bob")
///     .value_string("Hello Bob!")
///     .build()
///     .unwrap();
/// assert_eq!(record.typename().to_string(), "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord");
///
/// assert!(KafkaEgressBuilder::to(KAFKA).value_string("no topic").build().is_err());
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until it is built and sent"]
pub struct KafkaEgressBuilder {
    egress: TypeName,
    topic: Option<String>,
    key: String,
    value: RecordValue,
}

impl KafkaEgressBuilder {
    /// A record for the Kafka egress `egress`.
    pub fn to(egress: TypeName) -> Self {
        KafkaEgressBuilder {
            egress,
            topic: None,
            key: String::new(),
            value: None,
        }
    }

    /// The topic to write to (required; one egress can write to many topics).
    pub fn topic(mut self, topic: impl Into<String>) -> Self {
        self.topic = Some(topic.into());
        self
    }

    /// The record key, as UTF-8. Without it (or with an empty key) the record has no key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    /// The value, as given.
    pub fn value_bytes(mut self, value: impl Into<Bytes>) -> Self {
        self.value = Some(Ok(value.into()));
        self
    }

    /// The value as UTF-8 text.
    pub fn value_string(self, value: impl AsRef<str>) -> Self {
        self.value_bytes(Bytes::copy_from_slice(value.as_ref().as_bytes()))
    }

    /// The value serialized with `ty` (e.g. [`IntType`](crate::types::IntType) writes its
    /// wrapper message).
    pub fn value<T: Type>(mut self, ty: &T, value: &T::Value) -> Self {
        self.value = serialize_value(ty, value);
        self
    }

    /// The record; an error if the topic or the value is missing.
    pub fn build(self) -> Result<EgressMessage, MessageError> {
        const RECORD: &str = "Kafka record";
        let topic = self.topic.ok_or(MessageErrorKind::MissingField {
            record: RECORD,
            field: "topic",
        })?;
        let record = KafkaProducerRecord {
            key: self.key,
            value_bytes: take_value(self.value, RECORD)?,
            topic,
        };
        Ok(EgressBuilder::to(self.egress).raw(KAFKA_TYPENAME, record.encode_to_vec()))
    }
}

/// Builds a record for a generic Kinesis egress (`io.statefun.kinesis.v1/egress`): a stream,
/// a partition key, an optional explicit hash key and the value bytes.
///
/// ```
/// use statefun_sdk::{KinesisEgressBuilder, TypeName};
///
/// const KINESIS: TypeName = TypeName::from_static("example/kinesis");
/// let record = KinesisEgressBuilder::to(KINESIS)
///     .stream("greetings")
///     .partition_key("bob")
///     .value_string("Hello Bob!")
///     .build()
///     .unwrap();
/// assert_eq!(record.egress(), &KINESIS);
///
/// let error = KinesisEgressBuilder::to(KINESIS).stream("s").partition_key("").value_string("v").build();
/// assert_eq!(error.unwrap_err().to_string(), "a Kinesis record's partition key must not be empty");
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until it is built and sent"]
pub struct KinesisEgressBuilder {
    egress: TypeName,
    stream: Option<String>,
    partition_key: Option<String>,
    explicit_hash_key: String,
    value: RecordValue,
}

impl KinesisEgressBuilder {
    /// A record for the Kinesis egress `egress`.
    pub fn to(egress: TypeName) -> Self {
        KinesisEgressBuilder {
            egress,
            stream: None,
            partition_key: None,
            explicit_hash_key: String::new(),
            value: None,
        }
    }

    /// The stream to write to (required).
    pub fn stream(mut self, stream: impl Into<String>) -> Self {
        self.stream = Some(stream.into());
        self
    }

    /// The partition key (required, non-empty).
    pub fn partition_key(mut self, key: impl Into<String>) -> Self {
        self.partition_key = Some(key.into());
        self
    }

    /// An explicit hash key; used by Kinesis only when non-empty.
    pub fn explicit_hash_key(mut self, key: impl Into<String>) -> Self {
        self.explicit_hash_key = key.into();
        self
    }

    /// The value, as given.
    pub fn value_bytes(mut self, value: impl Into<Bytes>) -> Self {
        self.value = Some(Ok(value.into()));
        self
    }

    /// The value as UTF-8 text.
    pub fn value_string(self, value: impl AsRef<str>) -> Self {
        self.value_bytes(Bytes::copy_from_slice(value.as_ref().as_bytes()))
    }

    /// The value serialized with `ty`.
    pub fn value<T: Type>(mut self, ty: &T, value: &T::Value) -> Self {
        self.value = serialize_value(ty, value);
        self
    }

    /// The record; an error if the stream, the partition key or the value is missing, or
    /// the partition key is empty.
    pub fn build(self) -> Result<EgressMessage, MessageError> {
        const RECORD: &str = "Kinesis record";
        let stream = self.stream.ok_or(MessageErrorKind::MissingField {
            record: RECORD,
            field: "stream",
        })?;
        let partition_key = self.partition_key.ok_or(MessageErrorKind::MissingField {
            record: RECORD,
            field: "partition key",
        })?;
        if partition_key.is_empty() {
            return Err(MessageErrorKind::EmptyPartitionKey.into());
        }
        let record = KinesisEgressRecord {
            partition_key,
            value_bytes: take_value(self.value, RECORD)?,
            stream,
            explicit_hash_key: self.explicit_hash_key,
        };
        Ok(EgressBuilder::to(self.egress).raw(KINESIS_TYPENAME, record.encode_to_vec()))
    }
}
