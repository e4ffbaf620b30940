//! The messages of the fraud detection, as JSON types.

use serde::{Deserialize, Serialize};
use statefun_sdk::TypeName;
use statefun_sdk::types::JsonType;

/// Ingress → `fraud/transaction-manager/<id>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// The transaction id.
    pub id: String,
    /// The paying account.
    pub account: String,
    /// The merchant paid.
    pub merchant: String,
    /// The amount.
    pub amount: f64,
}

/// Ingress → `fraud/fraud-count/<account>`: a fraud on the account was confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmFraud {}

/// `fraud/fraud-count` → itself, delayed: a confirmed fraud leaves the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireFraud {}

/// `fraud/transaction-manager` → `fraud/fraud-count` or `fraud/merchant-score`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {}

/// `fraud/fraud-count` → `fraud/transaction-manager`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FraudCount {
    /// Confirmed frauds in the window.
    pub count: u32,
}

/// `fraud/merchant-score` → `fraud/transaction-manager`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MerchantScore {
    /// From 0 (trusted) to 1 (dubious).
    pub score: f64,
}

/// `fraud/transaction-manager` → `fraud/model`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureVector {
    /// Confirmed frauds of the account.
    pub fraud_count: u32,
    /// The merchant's score.
    pub merchant_score: f64,
    /// The amount.
    pub amount: f64,
}

/// `fraud/model` → `fraud/transaction-manager`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FraudScore {
    /// From 0 to 1.
    pub score: f64,
}

/// An alert, the payload of a playground egress record on topic `alerts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The transaction.
    pub transaction: Transaction,
    /// Its score.
    pub score: f64,
}

/// `fraud/Transaction`.
pub const TRANSACTION: JsonType<Transaction> =
    JsonType::new(TypeName::from_static("fraud/Transaction"));
/// `fraud/ConfirmFraud`.
pub const CONFIRM_FRAUD: JsonType<ConfirmFraud> =
    JsonType::new(TypeName::from_static("fraud/ConfirmFraud"));
/// `fraud/ExpireFraud`.
pub const EXPIRE_FRAUD: JsonType<ExpireFraud> =
    JsonType::new(TypeName::from_static("fraud/ExpireFraud"));
/// `fraud/Query`.
pub const QUERY: JsonType<Query> = JsonType::new(TypeName::from_static("fraud/Query"));
/// `fraud/FraudCount`.
pub const FRAUD_COUNT_REPLY: JsonType<FraudCount> =
    JsonType::new(TypeName::from_static("fraud/FraudCount"));
/// `fraud/MerchantScore`.
pub const MERCHANT_SCORE_REPLY: JsonType<MerchantScore> =
    JsonType::new(TypeName::from_static("fraud/MerchantScore"));
/// `fraud/FeatureVector`.
pub const FEATURE_VECTOR: JsonType<FeatureVector> =
    JsonType::new(TypeName::from_static("fraud/FeatureVector"));
/// `fraud/FraudScore`.
pub const FRAUD_SCORE: JsonType<FraudScore> =
    JsonType::new(TypeName::from_static("fraud/FraudScore"));
