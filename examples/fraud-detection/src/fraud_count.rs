use statefun_sdk::types::IntType;
use statefun_sdk::{Context, Error, FunctionSpec, Message, MessageBuilder, TypeName, ValueSpec};

use crate::FRAUD_WINDOW;
use crate::messages::{
    CONFIRM_FRAUD, EXPIRE_FRAUD, ExpireFraud, FRAUD_COUNT_REPLY, FraudCount, QUERY,
};

/// One instance per account: confirmed frauds of the last [`FRAUD_WINDOW`].
pub const FRAUD_COUNT: TypeName = TypeName::from_static("fraud/fraud-count");

static COUNT: ValueSpec<IntType> = ValueSpec::new("count", IntType);

async fn fraud_count(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let count = ctx.storage().get(&COUNT)?.unwrap_or(0);
    if message.is(&CONFIRM_FRAUD) {
        ctx.storage().set(&COUNT, count + 1)?;
        // Each confirmation expires on its own: a delayed message per confirmation, rather
        // than a TTL on the whole count, which would reset with every new confirmation.
        let me = ctx.address().clone();
        ctx.send_after(
            FRAUD_WINDOW,
            MessageBuilder::to_address(me).value(&EXPIRE_FRAUD, &ExpireFraud {})?,
        )?;
    } else if message.is(&EXPIRE_FRAUD) {
        if count > 1 {
            ctx.storage().set(&COUNT, count - 1)?;
        } else {
            ctx.storage().remove(&COUNT)?;
        }
    } else if message.is(&QUERY) {
        let asker = ctx
            .caller()
            .cloned()
            .ok_or_else(|| Error::msg("a query without a caller"))?;
        let reply = FraudCount {
            count: u32::try_from(count)?,
        };
        ctx.send(MessageBuilder::to_address(asker).value(&FRAUD_COUNT_REPLY, &reply)?);
    } else {
        return Err(Error::msg(format!(
            "fraud/fraud-count does not take {}",
            message.typename()
        )));
    }
    Ok(())
}

pub(crate) fn spec() -> FunctionSpec {
    FunctionSpec::new(FRAUD_COUNT, fraud_count).with_state(&COUNT)
}
