//! Fraud detection, after StateFun's classic walkthrough.
//!
//! - `fraud/transaction-manager` (one instance per transaction) enriches each transaction:
//!   it asks `fraud/fraud-count` for the account's recently confirmed frauds and
//!   `fraud/merchant-score` for the merchant's score, then sends the feature vector to
//!   `fraud/model`; a score above [`ALERT_THRESHOLD`] becomes an alert on the playground
//!   egress topic `alerts`.
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

use statefun_sdk::RequestReplyHandler;

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

/// Every function type, with `merchants` as the merchant service.
pub fn handler(merchants: MerchantService) -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(manager::spec())
        .register(fraud_count::spec())
        .register(merchant::spec(merchants))
        .register(model::spec())
        .build()
        .expect("four function types, each registered once")
}
