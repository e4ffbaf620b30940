use std::collections::BTreeMap;

use serde_json::json;
use statefun_sdk::types::JsonType;
use statefun_sdk::{
    CancellationToken, Context, Error, FunctionSpec, Message, MessageBuilder, StatefulFunction,
    TypeName, ValueSpec, dispatch,
};

use crate::messages::{
    ADD_TO_CART, CHECKOUT, RELEASE, RESERVATION, RESERVATION_EXPIRED, RESERVE, Receipt, Release,
    ReservationExpired, Reserve,
};
use crate::{RESERVATION_TIMEOUT, ReceiptsEgress, STOCK};

/// One instance per user: the reserved items.
pub const CART: TypeName = TypeName::from_static("shop/cart");

/// Item → reserved quantity.
pub type Basket = BTreeMap<String, u32>;

/// The reserved items; absent when there are none.
pub static BASKET: ValueSpec<JsonType<Basket>> = ValueSpec::new(
    "basket",
    JsonType::new(TypeName::from_static("shop/Basket")),
);

/// The cancellation token of the reservation of `item`; tokens are per cart instance.
fn reservation_token(item: &str) -> Result<CancellationToken, Error> {
    Ok(CancellationToken::new(format!("reservation/{item}"))?)
}

async fn cart(receipts: ReceiptsEgress, ctx: &mut Context, message: Message) -> Result<(), Error> {
    let mut basket = ctx.storage().get_or_default(&BASKET)?;
    dispatch!(message, {
        ADD_TO_CART => |wanted| {
            let reserve = Reserve {
                quantity: wanted.quantity,
            };
            ctx.send(MessageBuilder::to(STOCK, wanted.item).value(&RESERVE, &reserve)?);
            return Ok(());
        },
        RESERVATION => |reservation| {
            if reservation.reserved == 0 {
                return Ok(());
            }
            let token = reservation_token(&reservation.item)?;
            if basket.contains_key(&reservation.item) {
                // A reservation for this item is already pending: restart its timer.
                ctx.cancel_delayed_message(&token);
            }
            *basket.entry(reservation.item.clone()).or_default() += reservation.reserved;
            let me = ctx.address().clone();
            let expiry = ReservationExpired {
                item: reservation.item,
            };
            let reminder = MessageBuilder::to_address(me).value(&RESERVATION_EXPIRED, &expiry)?;
            ctx.send_after_with_token(RESERVATION_TIMEOUT, &token, reminder)?;
        },
        RESERVATION_EXPIRED => |expired| {
            if let Some(quantity) = basket.remove(&expired.item) {
                ctx.send(
                    MessageBuilder::to(STOCK, expired.item).value(&RELEASE, &Release { quantity })?,
                );
            }
        },
        CHECKOUT => |_| {
            for item in basket.keys() {
                ctx.cancel_delayed_message(&reservation_token(item)?);
            }
            let receipt = Receipt {
                user: ctx.address().id().to_owned(),
                items: std::mem::take(&mut basket),
            };
            ctx.send_egress(receipts.record(&receipt.user, json!(receipt).to_string())?);
        },
    })?;
    if basket.is_empty() {
        ctx.storage().remove(&BASKET)?;
    } else {
        ctx.storage().set(&BASKET, &basket)?;
    }
    Ok(())
}

/// The cart, writing receipts to its egress.
struct Cart {
    receipts: ReceiptsEgress,
}

impl StatefulFunction for Cart {
    async fn invoke(&self, ctx: &mut Context, message: Message) -> Result<(), Error> {
        cart(self.receipts, ctx, message).await
    }
}

pub(crate) fn spec(receipts: ReceiptsEgress) -> FunctionSpec {
    FunctionSpec::from_function(CART, Cart { receipts }).with_state(&BASKET)
}
