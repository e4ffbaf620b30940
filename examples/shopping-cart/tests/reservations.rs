//! The shop end to end on the reference runtime, in process and on virtual time: stock is
//! reserved, released when a reservation runs out, and kept at checkout.

use std::time::Duration;

use shopping_cart::messages::{
    ADD_TO_CART, AddToCart, CHECKOUT, Checkout, RESTOCK, Receipt, Restock,
};
use shopping_cart::{BASKET, CART, IN_STOCK, RESERVATION_TIMEOUT, STOCK, handler};
use statefun_sdk::{Address, MessageBuilder};
use statefun_testing::Harness;

fn shop() -> Harness {
    Harness::builder()
        .handler("shop/*", handler())
        .playground_egress()
        .build()
        .unwrap()
}

fn in_stock(harness: &Harness, item: &str) -> i32 {
    let stock = Address::new(STOCK, item);
    harness.state(&stock, &IN_STOCK).unwrap().unwrap_or(0)
}

fn receipts(harness: &Harness) -> Vec<Receipt> {
    harness
        .playground_records()
        .unwrap()
        .into_iter()
        .map(|record| {
            assert_eq!(record.topic, "receipts");
            serde_json::from_str(&record.payload).unwrap()
        })
        .collect()
}

async fn restock(harness: &Harness, item: &str, quantity: u32) {
    let message = MessageBuilder::to(STOCK, item).value(&RESTOCK, &Restock { quantity });
    harness.send(message.unwrap()).await.unwrap();
    harness.run_until_quiescent().await.unwrap();
}

async fn add(harness: &Harness, user: &str, item: &str, quantity: u32) {
    let wanted = AddToCart {
        item: item.into(),
        quantity,
    };
    let message = MessageBuilder::to(CART, user).value(&ADD_TO_CART, &wanted);
    harness.send(message.unwrap()).await.unwrap();
    harness.run_until_quiescent().await.unwrap();
}

async fn checkout(harness: &Harness, user: &str) {
    let message = MessageBuilder::to(CART, user).value(&CHECKOUT, &Checkout {});
    harness.send(message.unwrap()).await.unwrap();
    harness.run_until_quiescent().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn reservations_hold_until_checkout_or_run_out() {
    let harness = shop();
    restock(&harness, "socks", 10).await;
    assert_eq!(in_stock(&harness, "socks"), 10);

    add(&harness, "alice", "socks", 3).await;
    assert_eq!(in_stock(&harness, "socks"), 7, "reserved for alice");
    assert_eq!(
        harness.inner().runtime().pending_delayed_messages(),
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
        harness.inner().runtime().pending_delayed_messages(),
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
    let bob = Address::new(CART, "bob");
    assert_eq!(harness.state(&bob, &BASKET).unwrap(), None);

    checkout(&harness, "bob").await;
    let receipt = receipts(&harness).pop().expect("bob's receipt");
    assert!(receipt.items.is_empty(), "nothing left to buy: {receipt:?}");
}

#[tokio::test(start_paused = true)]
async fn adding_more_of_an_item_restarts_its_reservation() {
    let harness = shop();
    restock(&harness, "hat", 5).await;
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
