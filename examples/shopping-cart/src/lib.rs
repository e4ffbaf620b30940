//! A shopping cart with reservations, on two function types.
//!
//! - `shop/stock` (one instance per item) holds the quantity in stock. It answers reservation
//!   requests of carts, takes restocks from an ingress, and takes back what a cart released.
//! - `shop/cart` (one instance per user) asks the stock to reserve items. A reservation holds
//!   for [`RESERVATION_TIMEOUT`]: a delayed message to the cart itself, cancelled at checkout;
//!   if it fires first the items go back to the stock. Checkout writes a receipt to the
//!   playground egress topic `receipts`.
//!
//! Every message is JSON under a `shop/...` typename, so that functions in other languages
//! can take part.

pub mod messages;

mod cart;
mod stock;

use std::time::Duration;

use statefun_sdk::RequestReplyHandler;

pub use cart::{BASKET, Basket, CART};
pub use stock::{IN_STOCK, STOCK};

/// The topic receipts go to.
pub const RECEIPTS_TOPIC: &str = "receipts";
/// How long a cart keeps reserved items before they return to the stock.
pub const RESERVATION_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Both function types.
pub fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(cart::spec())
        .register(stock::spec())
        .build()
        .expect("two function types, each registered once")
}
