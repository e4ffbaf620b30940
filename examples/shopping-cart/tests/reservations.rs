//! The shop end to end on the reference runtime, in process and on virtual time: stock is
//! reserved, released when a reservation runs out, and kept at checkout.

use std::time::Duration;

use serde::Serialize;
use shopping_cart::messages::{
    ADD_TO_CART, AddToCart, CHECKOUT, Checkout, EgressRecord, RESTOCK, Receipt, Restock,
};
use shopping_cart::{RESERVATION_TIMEOUT, handler};
use statefun_runtime::Harness;
use statefun_runtime::protocol::{Address, TypedValue};
use statefun_sdk::types::Type;

const EGRESS: &str = "io.statefun.playground/egress";

fn json<T: Type>(ty: &T, value: &T::Value) -> TypedValue
where
    T::Value: Serialize,
{
    let mut bytes = Vec::new();
    ty.serialize(value, &mut bytes).unwrap();
    TypedValue::new(ty.typename().to_string(), bytes)
}

fn in_stock(harness: &Harness, item: &str) -> i32 {
    let value = harness.state(&Address::new("shop", "stock", item), "in_stock");
    value.map_or(0, |v| {
        statefun_sdk::types::IntType.deserialize(v.value).unwrap()
    })
}

fn receipts(harness: &Harness) -> Vec<Receipt> {
    harness
        .egress(EGRESS)
        .into_iter()
        .map(|record| {
            let record: EgressRecord = serde_json::from_slice(&record.value).unwrap();
            assert_eq!(record.topic, "receipts");
            serde_json::from_str(&record.payload).unwrap()
        })
        .collect()
}

async fn add(harness: &Harness, user: &str, item: &str, quantity: u32) {
    let message = json(
        &ADD_TO_CART,
        &AddToCart {
            item: item.into(),
            quantity,
        },
    );
    harness
        .send(Address::new("shop", "cart", user), message)
        .await
        .unwrap();
    harness.run_until_quiescent().await.unwrap();
}

async fn checkout(harness: &Harness, user: &str) {
    harness
        .send(
            Address::new("shop", "cart", user),
            json(&CHECKOUT, &Checkout {}),
        )
        .await
        .unwrap();
    harness.run_until_quiescent().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn reservations_hold_until_checkout_or_run_out() {
    let harness = Harness::builder()
        .service("shop/*", handler().into_service())
        .egress(EGRESS)
        .build()
        .unwrap();
    harness
        .send(
            Address::new("shop", "stock", "socks"),
            json(&RESTOCK, &Restock { quantity: 10 }),
        )
        .await
        .unwrap();
    harness.run_until_quiescent().await.unwrap();
    assert_eq!(in_stock(&harness, "socks"), 10);

    add(&harness, "alice", "socks", 3).await;
    assert_eq!(in_stock(&harness, "socks"), 7, "reserved for alice");
    assert_eq!(
        harness.runtime().pending_delayed_messages(),
        1,
        "her reservation's timeout"
    );

    add(&harness, "bob", "socks", 20).await;
    assert_eq!(
        in_stock(&harness, "socks"),
        7,
        "not enough for bob: nothing reserved"
    );

    checkout(&harness, "alice").await;
    let receipt = receipts(&harness).pop().expect("alice's receipt");
    assert_eq!(receipt.user, "alice");
    assert_eq!(receipt.items.get("socks"), Some(&3));
    assert_eq!(
        harness.runtime().pending_delayed_messages(),
        0,
        "checkout cancelled the timeout"
    );
    harness.advance(RESERVATION_TIMEOUT * 2).await.unwrap();
    assert_eq!(in_stock(&harness, "socks"), 7, "bought socks stay sold");

    add(&harness, "bob", "socks", 5).await;
    assert_eq!(in_stock(&harness, "socks"), 2);
    harness
        .advance(RESERVATION_TIMEOUT + Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(
        in_stock(&harness, "socks"),
        7,
        "bob's reservation ran out and went back"
    );
    assert!(
        harness
            .state(&Address::new("shop", "cart", "bob"), "basket")
            .is_none()
    );

    checkout(&harness, "bob").await;
    let receipt = receipts(&harness).pop().expect("bob's receipt");
    assert!(receipt.items.is_empty(), "nothing left to buy: {receipt:?}");
}

#[tokio::test(start_paused = true)]
async fn adding_more_of_an_item_restarts_its_reservation() {
    let harness = Harness::builder()
        .service("shop/*", handler().into_service())
        .egress(EGRESS)
        .build()
        .unwrap();
    harness
        .send(
            Address::new("shop", "stock", "hat"),
            json(&RESTOCK, &Restock { quantity: 5 }),
        )
        .await
        .unwrap();
    add(&harness, "carol", "hat", 1).await;
    harness
        .advance(RESERVATION_TIMEOUT - Duration::from_secs(60))
        .await
        .unwrap();
    add(&harness, "carol", "hat", 1).await;
    harness.advance(Duration::from_secs(120)).await.unwrap();
    assert_eq!(
        in_stock(&harness, "hat"),
        3,
        "the first timeout was cancelled by the second reservation"
    );
    harness.advance(RESERVATION_TIMEOUT).await.unwrap();
    assert_eq!(
        in_stock(&harness, "hat"),
        5,
        "both hats return when the renewed reservation runs out"
    );
}
