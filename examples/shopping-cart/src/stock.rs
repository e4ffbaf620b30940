use statefun_sdk::types::IntType;
use statefun_sdk::{Context, Error, FunctionSpec, Message, TypeName, ValueSpec, dispatch};

use crate::messages::{RELEASE, RESERVATION, RESERVE, RESTOCK, Reservation};

/// One instance per item: how many are in stock.
pub const STOCK: TypeName = TypeName::from_static("shop/stock");

/// How many are in stock; absent is none.
pub static IN_STOCK: ValueSpec<IntType> = ValueSpec::new("in_stock", IntType);

async fn stock(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let in_stock = ctx.storage().get_or_default(&IN_STOCK)?;
    dispatch!(message, {
        RESTOCK => |restock| {
            let added = i32::try_from(restock.quantity)?;
            ctx.storage().set(&IN_STOCK, in_stock + added)?;
        },
        RELEASE => |release| {
            let released = i32::try_from(release.quantity)?;
            ctx.storage().set(&IN_STOCK, in_stock + released)?;
        },
        RESERVE => |reserve| {
            let wanted = reserve.quantity;
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
            ctx.reply(&RESERVATION, answer)?;
        },
    })?;
    Ok(())
}

pub(crate) fn spec() -> FunctionSpec {
    FunctionSpec::new(STOCK, stock).with_state(&IN_STOCK)
}
