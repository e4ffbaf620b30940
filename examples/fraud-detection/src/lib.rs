//! Fraud detection, after StateFun's classic walkthrough.
//!
//! - `fraud/transaction-manager` (one instance per transaction) enriches each transaction:
//!   it asks `fraud/fraud-count` for the account's recently confirmed frauds and
//!   `fraud/merchant-score` for the merchant's score, then sends the feature vector to
//!   `fraud/model`; a score above [`ALERT_THRESHOLD`] becomes an alert on the topic
//!   `alerts`: the playground's egress locally, a Kafka egress on a cluster
//!   ([`AlertsEgress`]).
//! - `fraud/fraud-count` (one instance per account) counts confirmed frauds of the last
//!   [`FRAUD_WINDOW`]: each confirmation schedules a delayed message to itself that takes it
//!   off the count again.
//! - `fraud/merchant-score` (one instance per merchant) asks a [`MerchantService`]
//!   asynchronously and remembers the answer.
//! - `fraud/model` (one instance per account) scores a feature vector.

mod fraud_count;
mod manager;
mod merchant;
pub mod messages;
mod model;

use std::time::Duration;

use statefun_sdk::{EgressMessage, Error, KafkaEgressBuilder, RequestReplyHandler, TypeName};

pub use fraud_count::{FRAUD_COUNT, FRAUD_COUNT_STATE};
pub use manager::TRANSACTION_MANAGER;
pub use merchant::{MERCHANT_SCORE, MerchantService};
pub use model::{MODEL, score};

/// How long a confirmed fraud counts against its account.
pub const FRAUD_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);
/// Scores above this raise an alert.
pub const ALERT_THRESHOLD: f64 = 0.8;
/// The topic alerts go to.
pub const ALERTS_TOPIC: &str = "alerts";

/// The Kafka egress of `module.yaml`.
pub const KAFKA_ALERTS: TypeName = TypeName::from_static("fraud/alerts");

/// Where the alerts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertsEgress {
    /// The playground's egress, topic `alerts`: the reference runtime and the playground
    /// image (`module.local.yaml`).
    #[default]
    Playground,
    /// The Kafka egress [`KAFKA_ALERTS`], topic `alerts`, keyed by account: a StateFun
    /// cluster (`module.yaml`).
    Kafka,
}

impl AlertsEgress {
    /// The egress record of an alert on `account`, `alert` being its JSON text.
    pub fn record(self, account: &str, alert: String) -> Result<EgressMessage, Error> {
        Ok(match self {
            Self::Playground => EgressMessage::playground(ALERTS_TOPIC, alert)?,
            Self::Kafka => KafkaEgressBuilder::to(KAFKA_ALERTS)
                .topic(ALERTS_TOPIC)
                .key(account)
                .value_string(alert)
                .build()?,
        })
    }
}

/// Every function type, with `merchants` as the merchant service, raising alerts on the
/// playground's egress.
pub fn handler(merchants: MerchantService) -> RequestReplyHandler {
    handler_for(merchants, AlertsEgress::Playground)
}

/// Every function type, with `merchants` as the merchant service, raising alerts on
/// `alerts`.
pub fn handler_for(merchants: MerchantService, alerts: AlertsEgress) -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(manager::spec(alerts))
        .register(fraud_count::spec())
        .register(merchant::spec(merchants))
        .register(model::spec())
        .build()
        .expect("four function types, each registered once")
}
