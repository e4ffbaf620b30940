use statefun_sdk::types::IntType;
use statefun_sdk::{Context, Error, FunctionSpec, Message, MessageBuilder, TypeName, ValueSpec};

use crate::messages::{RELEASE, RESERVATION, RESERVE, RESTOCK, Reservation};

/// One instance per item: how many are in stock.
pub const STOCK: TypeName = TypeName::from_static("shop/stock");

static IN_STOCK: ValueSpec<IntType> = ValueSpec::new("in_stock", IntType);

async fn stock(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let in_stock = ctx.storage().get(&IN_STOCK)?.unwrap_or(0);
    if message.is(&RESTOCK) {
        let added = i32::try_from(message.as_type(&RESTOCK)?.quantity)?;
        ctx.storage().set(&IN_STOCK, in_stock + added)?;
    } else if message.is(&RELEASE) {
        let released = i32::try_from(message.as_type(&RELEASE)?.quantity)?;
        ctx.storage().set(&IN_STOCK, in_stock + released)?;
    } else if message.is(&RESERVE) {
        let wanted = message.as_type(&RESERVE)?.quantity;
        let cart = ctx
            .caller()
            .cloned()
            .ok_or_else(|| Error::msg("a reservation without a cart to answer"))?;
        let reserved = if i64::from(wanted) <= i64::from(in_stock) {
            ctx.storage()
                .set(&IN_STOCK, in_stock - i32::try_from(wanted)?)?;
            wanted
        } else {
            0
        };
        let answer = Reservation {
            item: ctx.address().id().to_owned(),
            reserved,
        };
        ctx.send(MessageBuilder::to_address(cart).value(&RESERVATION, &answer)?);
    } else {
        return Err(Error::msg(format!(
            "shop/stock does not take {}",
            message.typename()
        )));
    }
    Ok(())
}

pub(crate) fn spec() -> FunctionSpec {
    FunctionSpec::new(STOCK, stock).with_state(&IN_STOCK)
}
