//! A shopping cart with reservations, on two function types.
//!
//! - `shop/stock` (one instance per item) holds the quantity in stock. It answers reservation
//!   requests of carts, takes restocks from an ingress, and takes back what a cart released.
//! - `shop/cart` (one instance per user) asks the stock to reserve items. A reservation holds
//!   for [`RESERVATION_TIMEOUT`]: a delayed message to the cart itself, cancelled at checkout;
//!   if it fires first the items go back to the stock. Checkout writes a receipt to the
//!   topic `receipts`: the playground's egress locally, a Kafka egress on a cluster
//!   ([`ReceiptsEgress`]).
//!
//! Every message is JSON under a `shop/...` typename, so that functions in other languages
//! can take part.

pub mod messages;

mod cart;
mod stock;

use std::time::Duration;

use statefun_sdk::{EgressMessage, Error, KafkaEgressBuilder, RequestReplyHandler, TypeName};

pub use cart::{BASKET, Basket, CART};
pub use stock::{IN_STOCK, STOCK};

/// The topic receipts go to.
pub const RECEIPTS_TOPIC: &str = "receipts";
/// How long a cart keeps reserved items before they return to the stock.
pub const RESERVATION_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The Kafka egress of `module.yaml`.
pub const KAFKA_RECEIPTS: TypeName = TypeName::from_static("shop/receipts");

/// Where the receipts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReceiptsEgress {
    /// The playground's egress, topic `receipts`: the reference runtime and the
    /// playground image (`module.local.yaml`).
    #[default]
    Playground,
    /// The Kafka egress [`KAFKA_RECEIPTS`], topic `receipts`, keyed by user: a StateFun
    /// cluster (`module.yaml`).
    Kafka,
}

impl ReceiptsEgress {
    /// The egress record of `user`'s receipt, `receipt` being its JSON text.
    pub fn record(self, user: &str, receipt: String) -> Result<EgressMessage, Error> {
        Ok(match self {
            Self::Playground => EgressMessage::playground(RECEIPTS_TOPIC, receipt)?,
            Self::Kafka => KafkaEgressBuilder::to(KAFKA_RECEIPTS)
                .topic(RECEIPTS_TOPIC)
                .key(user)
                .value_string(receipt)
                .build()?,
        })
    }
}

/// Both function types, writing receipts to the playground's egress.
pub fn handler() -> RequestReplyHandler {
    handler_for(ReceiptsEgress::Playground)
}

/// Both function types, writing receipts to `receipts`.
pub fn handler_for(receipts: ReceiptsEgress) -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(cart::spec(receipts))
        .register(stock::spec())
        .build()
        .expect("two function types, each registered once")
}
