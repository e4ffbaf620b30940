//! The fraud detection end to end on the reference runtime, in process and on virtual time.

use std::time::Duration;

use fraud_detection::messages::{
    Alert, CONFIRM_FRAUD, ConfirmFraud, EgressRecord, FeatureVector, TRANSACTION, Transaction,
};
use fraud_detection::{ALERT_THRESHOLD, FRAUD_WINDOW, MerchantService, handler, score};
use statefun_runtime::Harness;
use statefun_runtime::protocol::{Address, TypedValue};
use statefun_sdk::types::Type;

const EGRESS: &str = "io.statefun.playground/egress";

fn typed<T: Type>(ty: &T, value: &T::Value) -> TypedValue {
    let mut bytes = Vec::new();
    ty.serialize(value, &mut bytes).unwrap();
    TypedValue::new(ty.typename().to_string(), bytes)
}

fn transaction(id: &str, account: &str, merchant: &str, amount: f64) -> Transaction {
    Transaction {
        id: id.into(),
        account: account.into(),
        merchant: merchant.into(),
        amount,
    }
}

async fn pay(harness: &Harness, payment: Transaction) {
    let address = Address::new("fraud", "transaction-manager", &payment.id);
    harness
        .send(address, typed(&TRANSACTION, &payment))
        .await
        .unwrap();
    harness.run_until_quiescent().await.unwrap();
}

fn alerts(harness: &Harness) -> Vec<Alert> {
    harness
        .egress(EGRESS)
        .into_iter()
        .map(|record| {
            let record: EgressRecord = serde_json::from_slice(&record.value).unwrap();
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
        .service("fraud/*", handler(merchants).into_service())
        .egress(EGRESS)
        .build()
        .unwrap();

    for _ in 0..2 {
        harness
            .send(
                Address::new("fraud", "fraud-count", "acc-1"),
                typed(&CONFIRM_FRAUD, &ConfirmFraud {}),
            )
            .await
            .unwrap();
    }
    harness.run_until_quiescent().await.unwrap();
    assert_eq!(
        harness.runtime().pending_delayed_messages(),
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
            .states(&Address::new("fraud", "transaction-manager", "t1"))
            .is_empty(),
        "a decided transaction keeps no state"
    );

    harness
        .advance(FRAUD_WINDOW + Duration::from_secs(1))
        .await
        .unwrap();
    assert!(
        harness
            .state(&Address::new("fraud", "fraud-count", "acc-1"), "count")
            .is_none()
    );
    pay(&harness, transaction("t3", "acc-1", "shady", 500.0)).await;
    assert_eq!(
        alerts(&harness).len(),
        1,
        "without recent frauds the same payment passes"
    );
}
