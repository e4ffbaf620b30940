//! The fraud detection end to end on the reference runtime, in process and on virtual time.

use std::time::Duration;

use fraud_detection::messages::{
    Alert, CONFIRM_FRAUD, ConfirmFraud, FeatureVector, TRANSACTION, Transaction,
};
use fraud_detection::{
    ALERT_THRESHOLD, FRAUD_COUNT, FRAUD_COUNT_STATE, FRAUD_WINDOW, MerchantService,
    TRANSACTION_MANAGER, handler, score,
};
use statefun_sdk::{Address, MessageBuilder};
use statefun_testing::Harness;

fn transaction(id: &str, account: &str, merchant: &str, amount: f64) -> Transaction {
    Transaction {
        id: id.into(),
        account: account.into(),
        merchant: merchant.into(),
        amount,
    }
}

async fn pay(harness: &Harness, payment: Transaction) {
    let message =
        MessageBuilder::to(TRANSACTION_MANAGER, &payment.id).value(&TRANSACTION, &payment);
    harness.send(message.unwrap()).await.unwrap();
    harness.run_until_quiescent().await.unwrap();
}

fn alerts(harness: &Harness) -> Vec<Alert> {
    harness
        .playground_records()
        .unwrap()
        .into_iter()
        .map(|record| {
            assert_eq!(record.topic, "alerts");
            serde_json::from_str(&record.payload).unwrap()
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn confirmed_frauds_and_dubious_merchants_raise_alerts_until_the_frauds_expire() {
    let merchants = MerchantService::default();
    merchants.set_score("shady", 0.95).await;
    merchants.set_score("grocer", 0.1).await;
    let harness = Harness::builder()
        .handler("fraud/*", handler(merchants))
        .playground_egress()
        .build()
        .unwrap();

    for _ in 0..2 {
        let confirm =
            MessageBuilder::to(FRAUD_COUNT, "acc-1").value(&CONFIRM_FRAUD, &ConfirmFraud {});
        harness.send(confirm.unwrap()).await.unwrap();
    }
    harness.run_until_quiescent().await.unwrap();
    assert_eq!(
        harness.inner().runtime().pending_delayed_messages(),
        2,
        "each confirmation expires on its own"
    );

    pay(&harness, transaction("t1", "acc-1", "shady", 500.0)).await;
    pay(&harness, transaction("t2", "acc-2", "grocer", 20.0)).await;
    let raised = alerts(&harness);
    assert_eq!(raised.len(), 1, "only t1 is suspicious: {raised:?}");
    assert_eq!(raised[0].transaction.id, "t1");
    let expected = score(&FeatureVector {
        fraud_count: 2,
        merchant_score: 0.95,
        amount: 500.0,
    });
    assert!(expected > ALERT_THRESHOLD);
    assert_eq!(raised[0].score, expected);
    assert!(
        harness
            .inner()
            .states(&statefun_testing::convert::address(&Address::new(
                TRANSACTION_MANAGER,
                "t1"
            )))
            .is_empty(),
        "a decided transaction keeps no state"
    );

    harness
        .advance(FRAUD_WINDOW + Duration::from_secs(1))
        .await
        .unwrap();
    let account = Address::new(FRAUD_COUNT, "acc-1");
    assert_eq!(harness.state(&account, &FRAUD_COUNT_STATE).unwrap(), None);
    pay(&harness, transaction("t3", "acc-1", "shady", 500.0)).await;
    assert_eq!(
        alerts(&harness).len(),
        1,
        "without recent frauds the same payment passes"
    );
}
