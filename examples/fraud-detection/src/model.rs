use statefun_sdk::{Context, Error, FunctionSpec, Message, TypeName};

use crate::messages::{FEATURE_VECTOR, FRAUD_SCORE, FeatureVector, FraudScore};

/// Scores feature vectors.
pub const MODEL: TypeName = TypeName::from_static("fraud/model");

/// A logistic model: recent frauds weigh most, then dubious merchants, then large amounts.
pub fn score(features: &FeatureVector) -> f64 {
    let z = -3.0
        + 1.5 * f64::from(features.fraud_count)
        + 2.0 * features.merchant_score
        + 0.002 * features.amount;
    1.0 / (1.0 + (-z).exp())
}

async fn model(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let features = message.as_type(&FEATURE_VECTOR)?;
    let reply = FraudScore {
        score: score(&features),
    };
    ctx.reply(&FRAUD_SCORE, reply)?;
    Ok(())
}

pub(crate) fn spec() -> FunctionSpec {
    FunctionSpec::new(MODEL, model)
}
