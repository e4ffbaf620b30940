use serde_json::json;
use statefun_sdk::types::{DoubleType, IntType, JsonType};
use statefun_sdk::{
    Context, Error, FunctionSpec, Message, MessageBuilder, StatefulFunction, TypeName, ValueSpec,
    dispatch,
};

use crate::messages::{
    Alert, FEATURE_VECTOR, FRAUD_COUNT_REPLY, FRAUD_SCORE, FeatureVector, FraudScore,
    MERCHANT_SCORE_REPLY, QUERY, Query, TRANSACTION, Transaction,
};
use crate::{ALERT_THRESHOLD, AlertsEgress, FRAUD_COUNT, MERCHANT_SCORE, MODEL};

/// One instance per transaction: gathers its features, asks the model, raises alerts.
pub const TRANSACTION_MANAGER: TypeName = TypeName::from_static("fraud/transaction-manager");

static TRANSACTION_STATE: ValueSpec<JsonType<Transaction>> = ValueSpec::new(
    "transaction",
    JsonType::new(TypeName::from_static("fraud/Transaction")),
);
static FRAUDS: ValueSpec<IntType> = ValueSpec::new("fraud_count", IntType);
static MERCHANT: ValueSpec<DoubleType> = ValueSpec::new("merchant_score", DoubleType);

async fn manager(alerts: AlertsEgress, ctx: &mut Context, message: Message) -> Result<(), Error> {
    dispatch!(message, {
        TRANSACTION => |transaction| {
            let query = MessageBuilder::to(FRAUD_COUNT, &transaction.account).value(&QUERY, &Query {});
            ctx.send(query?);
            let query = MessageBuilder::to(MERCHANT_SCORE, &transaction.merchant).value(&QUERY, &Query {});
            ctx.send(query?);
            ctx.storage().set(&TRANSACTION_STATE, &transaction)?;
            return Ok(());
        },
        FRAUD_SCORE => |FraudScore { score }| {
            let transaction = ctx
                .storage()
                .get(&TRANSACTION_STATE)?
                .ok_or_else(|| Error::msg("a score without a transaction"))?;
            if score > ALERT_THRESHOLD {
                let account = transaction.account.clone();
                let alert = Alert { transaction, score };
                ctx.send_egress(alerts.record(&account, json!(alert).to_string())?);
            }
            // The transaction is decided: nothing of it needs to stay.
            ctx.storage().remove(&TRANSACTION_STATE)?;
            ctx.storage().remove(&FRAUDS)?;
            ctx.storage().remove(&MERCHANT)?;
            return Ok(());
        },
        FRAUD_COUNT_REPLY => |reply| ctx.storage().set(&FRAUDS, i32::try_from(reply.count)?)?,
        MERCHANT_SCORE_REPLY => |reply| ctx.storage().set(&MERCHANT, reply.score)?,
    })?;
    // Both answers may arrive in either order; the model is asked once both are in.
    let storage = ctx.storage();
    if let (Some(frauds), Some(merchant_score), Some(transaction)) = (
        storage.get(&FRAUDS)?,
        storage.get(&MERCHANT)?,
        storage.get(&TRANSACTION_STATE)?,
    ) {
        let features = FeatureVector {
            fraud_count: u32::try_from(frauds)?,
            merchant_score,
            amount: transaction.amount,
        };
        ctx.send(
            MessageBuilder::to(MODEL, &transaction.account).value(&FEATURE_VECTOR, &features)?,
        );
    }
    Ok(())
}

/// The manager, raising alerts on its egress.
struct Manager {
    alerts: AlertsEgress,
}

impl StatefulFunction for Manager {
    async fn invoke(&self, ctx: &mut Context, message: Message) -> Result<(), Error> {
        manager(self.alerts, ctx, message).await
    }
}

pub(crate) fn spec(alerts: AlertsEgress) -> FunctionSpec {
    FunctionSpec::from_function(TRANSACTION_MANAGER, Manager { alerts })
        .with_state(&TRANSACTION_STATE)
        .with_state(&FRAUDS)
        .with_state(&MERCHANT)
}
