use prost::Message;
use statefun_protocol::egress::{KafkaProducerRecord, KinesisEgressRecord};
use statefun_protocol::{TypedValue, typename};

use super::{EgressRejection, EgressSink, expect_typename};

/// Which record a [`LoggedEgress`] expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    /// `KafkaProducerRecord`, as StateFun's Kafka egress.
    Kafka,
    /// `KinesisEgressRecord`, as StateFun's Kinesis egress.
    Kinesis,
}

/// Stands in for a Kafka or Kinesis egress, which this runtime does not connect to: it
/// checks each record as StateFun does (exact typename, decodable record) and logs it.
///
/// ```
/// use statefun_runtime::egress::{EgressSink, LoggedEgress, RecordFormat};
/// use statefun_runtime::protocol::TypedValue;
///
/// let kafka = LoggedEgress::new("example/out", RecordFormat::Kafka);
/// let wrong = TypedValue::new("example/Other", &b""[..]);
/// assert!(kafka.check(&wrong).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct LoggedEgress {
    id: String,
    format: RecordFormat,
}

impl LoggedEgress {
    /// A sink for the egress `id` expecting `format` records.
    pub fn new(id: impl Into<String>, format: RecordFormat) -> Self {
        Self {
            id: id.into(),
            format,
        }
    }
}

impl EgressSink for LoggedEgress {
    fn check(&self, value: &TypedValue) -> Result<(), EgressRejection> {
        let bytes = value.value.clone();
        match self.format {
            RecordFormat::Kafka => {
                expect_typename(value, typename::KAFKA_PRODUCER_RECORD)?;
                KafkaProducerRecord::decode(bytes).map(drop)
            }
            RecordFormat::Kinesis => {
                expect_typename(value, typename::KINESIS_EGRESS_RECORD)?;
                KinesisEgressRecord::decode(bytes).map(drop)
            }
        }
        .map_err(|error| EgressRejection::Malformed(error.into()))
    }

    fn accept(&self, value: TypedValue) {
        match self.format {
            RecordFormat::Kafka => {
                if let Ok(record) = KafkaProducerRecord::decode(value.value) {
                    tracing::info!(
                        egress = %self.id,
                        topic = %record.topic,
                        key = %record.key,
                        value = %String::from_utf8_lossy(&record.value_bytes),
                        "Kafka record (not sent: this runtime does not connect to Kafka)"
                    );
                }
            }
            RecordFormat::Kinesis => {
                if let Ok(record) = KinesisEgressRecord::decode(value.value) {
                    tracing::info!(
                        egress = %self.id,
                        stream = %record.stream,
                        partition_key = %record.partition_key,
                        value = %String::from_utf8_lossy(&record.value_bytes),
                        "Kinesis record (not sent: this runtime does not connect to Kinesis)"
                    );
                }
            }
        }
    }
}
