//! The messages of the shop, as JSON types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use statefun_sdk::TypeName;
use statefun_sdk::types::JsonType;

/// Ingress → `shop/stock/<item>`: adds items to the stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restock {
    /// How many items arrive.
    pub quantity: u32,
}

/// Ingress → `shop/cart/<user>`: the user wants `quantity` of `item`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddToCart {
    /// The item id (the id of its `shop/stock` instance).
    pub item: String,
    /// How many.
    pub quantity: u32,
}

/// Ingress → `shop/cart/<user>`: buy what is in the cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {}

/// `shop/cart` → `shop/stock`: reserve `quantity` items, if there are so many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reserve {
    /// How many.
    pub quantity: u32,
}

/// `shop/stock` → `shop/cart`: the answer to a [`Reserve`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// The item.
    pub item: String,
    /// How many were reserved: the quantity asked for, or 0 when not enough were in stock.
    pub reserved: u32,
}

/// `shop/cart` → `shop/stock`: items go back to the stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// How many.
    pub quantity: u32,
}

/// `shop/cart` → itself, delayed: the reservation of `item` ran out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationExpired {
    /// The item.
    pub item: String,
}

/// `shop/cart` → playground egress (as JSON text): what a user bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The user.
    pub user: String,
    /// Item → quantity.
    pub items: BTreeMap<String, u32>,
}

/// `shop/Restock`.
pub const RESTOCK: JsonType<Restock> = JsonType::new(TypeName::from_static("shop/Restock"));
/// `shop/AddToCart`.
pub const ADD_TO_CART: JsonType<AddToCart> = JsonType::new(TypeName::from_static("shop/AddToCart"));
/// `shop/Checkout`.
pub const CHECKOUT: JsonType<Checkout> = JsonType::new(TypeName::from_static("shop/Checkout"));
/// `shop/Reserve`.
pub const RESERVE: JsonType<Reserve> = JsonType::new(TypeName::from_static("shop/Reserve"));
/// `shop/Reservation`.
pub const RESERVATION: JsonType<Reservation> =
    JsonType::new(TypeName::from_static("shop/Reservation"));
/// `shop/Release`.
pub const RELEASE: JsonType<Release> = JsonType::new(TypeName::from_static("shop/Release"));
/// `shop/ReservationExpired`.
pub const RESERVATION_EXPIRED: JsonType<ReservationExpired> =
    JsonType::new(TypeName::from_static("shop/ReservationExpired"));
