use statefun_sdk::types::IntType;
use statefun_sdk::{
    Context, Error, FunctionSpec, Message, MessageBuilder, TypeName, ValueSpec, dispatch,
};

use crate::FRAUD_WINDOW;
use crate::messages::{
    CONFIRM_FRAUD, EXPIRE_FRAUD, ExpireFraud, FRAUD_COUNT_REPLY, FraudCount, QUERY,
};

/// One instance per account: confirmed frauds of the last [`FRAUD_WINDOW`].
pub const FRAUD_COUNT: TypeName = TypeName::from_static("fraud/fraud-count");

/// Confirmed frauds within the window; absent when none.
pub static FRAUD_COUNT_STATE: ValueSpec<IntType> = ValueSpec::new("count", IntType);

async fn fraud_count(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let count = ctx.storage().get_or_default(&FRAUD_COUNT_STATE)?;
    dispatch!(message, {
        CONFIRM_FRAUD => |_| {
            ctx.storage().set(&FRAUD_COUNT_STATE, count + 1)?;
            // Each confirmation expires on its own: a delayed message per confirmation,
            // rather than a TTL on the whole count, which would reset with every new one.
            let me = ctx.address().clone();
            ctx.send_after(
                FRAUD_WINDOW,
                MessageBuilder::to_address(me).value(&EXPIRE_FRAUD, &ExpireFraud {})?,
            )?;
        },
        EXPIRE_FRAUD => |_| {
            if count > 1 {
                ctx.storage().set(&FRAUD_COUNT_STATE, count - 1)?;
            } else {
                ctx.storage().remove(&FRAUD_COUNT_STATE)?;
            }
        },
        QUERY => |_| {
            let reply = FraudCount {
                count: u32::try_from(count)?,
            };
            ctx.reply(&FRAUD_COUNT_REPLY, reply)?;
        },
    })?;
    Ok(())
}

pub(crate) fn spec() -> FunctionSpec {
    FunctionSpec::new(FRAUD_COUNT, fraud_count).with_state(&FRAUD_COUNT_STATE)
}
