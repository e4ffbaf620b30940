use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use statefun_sdk::types::DoubleType;
use statefun_sdk::{Context, Error, FunctionSpec, Message, StatefulFunction, TypeName, ValueSpec};
use tokio::sync::RwLock;

use crate::messages::{MERCHANT_SCORE_REPLY, MerchantScore, QUERY};

/// One instance per merchant: its score, looked up once a day.
pub const MERCHANT_SCORE: TypeName = TypeName::from_static("fraud/merchant-score");

/// The external scoring service of merchants, asked asynchronously. Unknown merchants
/// score 0.5.
#[derive(Debug, Clone, Default)]
pub struct MerchantService {
    scores: Arc<RwLock<HashMap<String, f64>>>,
}

impl MerchantService {
    /// Sets the score of `merchant`.
    pub async fn set_score(&self, merchant: &str, score: f64) {
        self.scores.write().await.insert(merchant.to_owned(), score);
    }

    async fn score(&self, merchant: &str) -> f64 {
        tokio::task::yield_now().await;
        self.scores
            .read()
            .await
            .get(merchant)
            .copied()
            .unwrap_or(0.5)
    }
}

/// The last answer of the service, kept for a day so that busy merchants are not looked
/// up on every transaction.
static CACHED_SCORE: ValueSpec<DoubleType> =
    ValueSpec::new("cached_score", DoubleType).expire_after_write(Duration::from_secs(24 * 3600));

struct MerchantScorer {
    service: MerchantService,
}

impl StatefulFunction for MerchantScorer {
    async fn invoke(&self, ctx: &mut Context, message: Message) -> Result<(), Error> {
        message.as_type(&QUERY)?;
        let score = match ctx.storage().get(&CACHED_SCORE)? {
            Some(score) => score,
            None => {
                let score = self.service.score(ctx.address().id()).await;
                ctx.storage().set(&CACHED_SCORE, score)?;
                score
            }
        };
        ctx.reply(&MERCHANT_SCORE_REPLY, MerchantScore { score })?;
        Ok(())
    }
}

pub(crate) fn spec(service: MerchantService) -> FunctionSpec {
    FunctionSpec::from_function(MERCHANT_SCORE, MerchantScorer { service })
        .with_state(&CACHED_SCORE)
}
