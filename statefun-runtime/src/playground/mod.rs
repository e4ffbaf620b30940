//! The playground image's local interfaces (`io.statefun.playground.v1/ingress` and
//! `/egress`), so the upstream playground tutorials run against this runtime unchanged.

mod egress;
mod egress_durable;
mod egress_v2;
mod ingress;
mod server;

pub use egress::{
    DEFAULT_TOPIC_MAX_BYTES, EGRESS_ID, EGRESS_RECORD_TYPENAME, PlaygroundEgress, TopicRead,
};
pub(crate) use egress::{egress_service, topic_and_payload};
pub(crate) use egress_durable::QueuedEgress;
pub use egress_v2::PlaygroundEgressV2;
pub(crate) use egress_v2::topic_and_payload as topic_and_payload_v2;
pub(crate) use ingress::{MessageLimits, ingress_service, retry_after_seconds};
pub(crate) use server::{Limits, serve};

#[cfg(test)]
mod tests;
