//! Records a function sends to egresses: generic ones, Kafka and Kinesis.

use std::borrow::Cow;

use bytes::Bytes;
use statefun_protocol::typename::{KAFKA_PRODUCER_RECORD, KINESIS_EGRESS_RECORD};

use crate::TypeName;
use crate::effects::{Egress, TypedPayload};
use crate::outgoing::{MessageError, MessageErrorKind};
use crate::types::{self, Type, ValueError};
use crate::wire;

/// The playground's egress, `io.statefun.playground/egress`: served by the upstream
/// playground image and by the reference runtime, it files records under topics that
/// `GET /<topic>` reads. Send to it with [`EgressMessage::playground`].
pub const PLAYGROUND_EGRESS: TypeName = TypeName::from_static("io.statefun.playground/egress");

/// The typename of a playground egress record, whose bytes are JSON
/// `{"topic": "...", "payload": "..."}`.
pub const PLAYGROUND_EGRESS_RECORD: TypeName =
    TypeName::from_static("io.statefun.playground/EgressRecord");

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

    /// A record for the [playground's egress](PLAYGROUND_EGRESS): `payload` is what
    /// `GET /<topic>` answers. An error if `topic` is empty.
    ///
    /// ```
    /// use statefun_sdk::{Context, EgressMessage, Error, Message};
    ///
    /// async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
    ///     let name = message.as_string()?;
    ///     ctx.send_egress(EgressMessage::playground("greetings", format!("Hello {name}!"))?);
    ///     Ok(())
    /// }
    ///
    /// let record = EgressMessage::playground("greetings", "Hi \"Bob\"").unwrap();
    /// assert_eq!(record.egress().to_string(), "io.statefun.playground/egress");
    /// assert_eq!(&record.raw_value()[..], br#"{"topic":"greetings","payload":"Hi \"Bob\""}"#);
    /// ```
    pub fn playground(
        topic: impl AsRef<str>,
        payload: impl AsRef<str>,
    ) -> Result<EgressMessage, MessageError> {
        let topic = topic.as_ref();
        if topic.is_empty() {
            return Err(MessageErrorKind::EmptyTopic.into());
        }
        let payload = payload.as_ref();
        let mut json = Vec::with_capacity(topic.len() + payload.len() + 26);
        json.extend_from_slice(br#"{"topic":"#);
        write_json_string(topic, &mut json);
        json.extend_from_slice(br#","payload":"#);
        write_json_string(payload, &mut json);
        json.push(b'}');
        Ok(EgressBuilder::to(PLAYGROUND_EGRESS).raw(PLAYGROUND_EGRESS_RECORD, json))
    }
}

/// Writes `text` as a JSON string (RFC 8259): quotes, backslashes and control characters
/// escaped, everything else as UTF-8. By hand, so that the record needs no `json` feature.
fn write_json_string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out.push(b'"');
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

/// The value of a Kafka or Kinesis record as given, or why it could not be serialized.
/// Text is kept borrowed until the record is written, so building a record copies each
/// part exactly once, into the record.
#[derive(Debug)]
enum RecordValue<'a> {
    Missing,
    Bytes(Bytes),
    Text(Cow<'a, str>),
    Serialized(Result<Vec<u8>, ValueError>),
}

impl RecordValue<'_> {
    fn serialize<T: Type>(ty: &T, value: &T::Value) -> Self {
        RecordValue::Serialized(types::serialize_to_vec(ty, value))
    }

    /// The value, or why there is none.
    fn checked(self, record: &'static str) -> Result<Self, MessageError> {
        match self {
            RecordValue::Missing => Err(MessageErrorKind::MissingField {
                record,
                field: "value",
            }
            .into()),
            RecordValue::Serialized(Err(error)) => Err(error.into()),
            value => Ok(value),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            RecordValue::Bytes(bytes) => bytes,
            RecordValue::Text(text) => text.as_bytes(),
            RecordValue::Serialized(Ok(bytes)) => bytes,
            RecordValue::Missing | RecordValue::Serialized(Err(_)) => &[],
        }
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
pub struct KafkaEgressBuilder<'a> {
    egress: TypeName,
    topic: Option<Cow<'a, str>>,
    key: Cow<'a, str>,
    value: RecordValue<'a>,
}

impl<'a> KafkaEgressBuilder<'a> {
    /// A record for the Kafka egress `egress`.
    pub fn to(egress: TypeName) -> Self {
        KafkaEgressBuilder {
            egress,
            topic: None,
            key: Cow::Borrowed(""),
            value: RecordValue::Missing,
        }
    }

    /// The topic to write to (required; one egress can write to many topics).
    pub fn topic(mut self, topic: impl Into<Cow<'a, str>>) -> Self {
        self.topic = Some(topic.into());
        self
    }

    /// The record key, as UTF-8. Without it (or with an empty key) the record has no key.
    pub fn key(mut self, key: impl Into<Cow<'a, str>>) -> Self {
        self.key = key.into();
        self
    }

    /// The value, as given.
    pub fn value_bytes(mut self, value: impl Into<Bytes>) -> Self {
        self.value = RecordValue::Bytes(value.into());
        self
    }

    /// The value as UTF-8 text.
    pub fn value_string(mut self, value: impl Into<Cow<'a, str>>) -> Self {
        self.value = RecordValue::Text(value.into());
        self
    }

    /// The value serialized with `ty` (e.g. [`IntType`](crate::types::IntType) writes its
    /// wrapper message).
    pub fn value<T: Type>(mut self, ty: &T, value: &T::Value) -> Self {
        self.value = RecordValue::serialize(ty, value);
        self
    }

    /// The record; an error if the topic or the value is missing.
    pub fn build(self) -> Result<EgressMessage, MessageError> {
        const RECORD: &str = "Kafka record";
        let topic = self.topic.ok_or_else(|| missing_field(RECORD, "topic"))?;
        if topic.is_empty() {
            return Err(MessageErrorKind::EmptyKafkaTopic.into());
        }
        let value = self.value.checked(RECORD)?;
        // KafkaProducerRecord: key = 1, value_bytes = 2, topic = 3.
        let record = wire::encode_length_delimited(&[
            (1, self.key.as_bytes()),
            (2, value.as_bytes()),
            (3, topic.as_bytes()),
        ]);
        Ok(EgressBuilder::to(self.egress).raw(KAFKA_TYPENAME, record))
    }
}

/// The error of a record built without one of its required fields. Built only when it is
/// missing: the error kind has a variant that owns a `String`, so constructing it eagerly
/// (as `ok_or` does) costs a drop on every record.
fn missing_field(record: &'static str, field: &'static str) -> MessageError {
    MessageErrorKind::MissingField { record, field }.into()
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
pub struct KinesisEgressBuilder<'a> {
    egress: TypeName,
    stream: Option<Cow<'a, str>>,
    partition_key: Option<Cow<'a, str>>,
    explicit_hash_key: Cow<'a, str>,
    value: RecordValue<'a>,
}

impl<'a> KinesisEgressBuilder<'a> {
    /// A record for the Kinesis egress `egress`.
    pub fn to(egress: TypeName) -> Self {
        KinesisEgressBuilder {
            egress,
            stream: None,
            partition_key: None,
            explicit_hash_key: Cow::Borrowed(""),
            value: RecordValue::Missing,
        }
    }

    /// The stream to write to (required).
    pub fn stream(mut self, stream: impl Into<Cow<'a, str>>) -> Self {
        self.stream = Some(stream.into());
        self
    }

    /// The partition key (required, non-empty).
    pub fn partition_key(mut self, key: impl Into<Cow<'a, str>>) -> Self {
        self.partition_key = Some(key.into());
        self
    }

    /// An explicit hash key; used by Kinesis only when non-empty.
    pub fn explicit_hash_key(mut self, key: impl Into<Cow<'a, str>>) -> Self {
        self.explicit_hash_key = key.into();
        self
    }

    /// The value, as given.
    pub fn value_bytes(mut self, value: impl Into<Bytes>) -> Self {
        self.value = RecordValue::Bytes(value.into());
        self
    }

    /// The value as UTF-8 text.
    pub fn value_string(mut self, value: impl Into<Cow<'a, str>>) -> Self {
        self.value = RecordValue::Text(value.into());
        self
    }

    /// The value serialized with `ty`.
    pub fn value<T: Type>(mut self, ty: &T, value: &T::Value) -> Self {
        self.value = RecordValue::serialize(ty, value);
        self
    }

    /// The record; an error if the stream, the partition key or the value is missing, or
    /// the partition key is empty.
    pub fn build(self) -> Result<EgressMessage, MessageError> {
        const RECORD: &str = "Kinesis record";
        let stream = self.stream.ok_or_else(|| missing_field(RECORD, "stream"))?;
        let partition_key = self
            .partition_key
            .ok_or_else(|| missing_field(RECORD, "partition key"))?;
        if partition_key.is_empty() {
            return Err(MessageErrorKind::EmptyPartitionKey.into());
        }
        let value = self.value.checked(RECORD)?;
        // KinesisEgressRecord: partition_key = 1, value_bytes = 2, stream = 3,
        // explicit_hash_key = 4.
        let record = wire::encode_length_delimited(&[
            (1, partition_key.as_bytes()),
            (2, value.as_bytes()),
            (3, stream.as_bytes()),
            (4, self.explicit_hash_key.as_bytes()),
        ]);
        Ok(EgressBuilder::to(self.egress).raw(KINESIS_TYPENAME, record))
    }
}

#[cfg(test)]
mod tests {
    use prost::Message as _;
    use statefun_protocol::egress::{KafkaProducerRecord, KinesisEgressRecord};

    use super::*;
    use crate::types::IntType;

    const OUT: TypeName = TypeName::from_static("example/out");

    /// Records are written by hand; prost writes the same bytes.
    #[test]
    fn records_match_prost() {
        let name = String::from("bob");
        let kafka = KafkaEgressBuilder::to(OUT)
            .topic("greetings")
            .key(name.as_str())
            .value_string(format!("hi {name}"))
            .build()
            .unwrap();
        let expected = KafkaProducerRecord {
            key: "bob".into(),
            value_bytes: Bytes::from_static(b"hi bob"),
            topic: "greetings".into(),
        };
        assert_eq!(kafka.raw_value()[..], expected.encode_to_vec());

        let keyless = KafkaEgressBuilder::to(OUT)
            .topic("t")
            .value(&IntType, &7)
            .build()
            .unwrap();
        let expected = KafkaProducerRecord {
            value_bytes: Bytes::from_static(&[0x0D, 7, 0, 0, 0]),
            topic: "t".into(),
            ..Default::default()
        };
        assert_eq!(keyless.raw_value()[..], expected.encode_to_vec());

        let kinesis = KinesisEgressBuilder::to(OUT)
            .stream("s")
            .partition_key(String::from("p"))
            .explicit_hash_key("h")
            .value_bytes(Bytes::from_static(b"v"))
            .build()
            .unwrap();
        let expected = KinesisEgressRecord {
            partition_key: "p".into(),
            value_bytes: Bytes::from_static(b"v"),
            stream: "s".into(),
            explicit_hash_key: "h".into(),
        };
        assert_eq!(kinesis.raw_value()[..], expected.encode_to_vec());
    }

    #[test]
    fn playground_records_are_json_for_any_text() {
        let payload = "quote \" backslash \\ newline \n tab \t bell \u{7} é 🦀";
        let record = EgressMessage::playground("greetings", payload).unwrap();
        assert_eq!(record.typename(), &PLAYGROUND_EGRESS_RECORD);
        let parsed: serde_json::Value = serde_json::from_slice(record.raw_value()).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"topic": "greetings", "payload": payload})
        );

        let error = EgressMessage::playground("", "x").unwrap_err();
        assert_eq!(
            error.to_string(),
            "a playground egress record needs a topic"
        );
    }

    #[test]
    fn a_record_without_value_is_refused() {
        let error = KafkaEgressBuilder::to(OUT).topic("t").build().unwrap_err();
        assert_eq!(error.to_string(), "a Kafka record needs a value");
    }
}
