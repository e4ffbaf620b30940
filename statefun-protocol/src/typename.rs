//! Typenames the wire protocol gives a fixed meaning.

/// `io.statefun.types/bool`, payload [`BooleanWrapper`](crate::types::BooleanWrapper).
pub const BOOL: &str = "io.statefun.types/bool";
/// `io.statefun.types/int`, payload [`IntWrapper`](crate::types::IntWrapper).
pub const INT: &str = "io.statefun.types/int";
/// `io.statefun.types/long`, payload [`LongWrapper`](crate::types::LongWrapper).
pub const LONG: &str = "io.statefun.types/long";
/// `io.statefun.types/float`, payload [`FloatWrapper`](crate::types::FloatWrapper).
pub const FLOAT: &str = "io.statefun.types/float";
/// `io.statefun.types/double`, payload [`DoubleWrapper`](crate::types::DoubleWrapper).
pub const DOUBLE: &str = "io.statefun.types/double";
/// `io.statefun.types/string`, payload [`StringWrapper`](crate::types::StringWrapper).
pub const STRING: &str = "io.statefun.types/string";

/// The runtime writes a record to Kafka only when its typename is exactly this.
pub const KAFKA_PRODUCER_RECORD: &str =
    "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord";
/// The runtime writes a record to Kinesis only when its typename is exactly this.
pub const KINESIS_EGRESS_RECORD: &str =
    "type.googleapis.com/io.statefun.sdk.egress.KinesisEgressRecord";

/// The prefix protobuf gives a message's full name to form its type URL.
pub const PROTOBUF_PREFIX: &str = "type.googleapis.com";
