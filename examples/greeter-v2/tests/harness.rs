//! The 2.x greeter under the runtime's `Harness`, in process: the runtime speaks the 2.x
//! protocol to it, attaches the declared states, routes the greeting to the second
//! function and the Kafka record to the egress.

use prost::Message as _;
use statefun_protocol::{Address, TypedValue};
use statefun_runtime::Harness;
use statefun_runtime::v2::{ExpireMode, STATE_TYPENAME, StateDecl};

use greeter_v2::messages::{GreetRequest, SeenCount};

fn greet(name: &str) -> TypedValue {
    // Any type URL prefix names the type in 2.x; the playground ingress gives none.
    TypedValue::new(
        "com.googleapis/example.GreetRequest",
        GreetRequest { name: name.into() }.encode_to_vec(),
    )
}

fn seen(value: &TypedValue) -> (String, i64) {
    assert_eq!(value.typename, STATE_TYPENAME);
    let any = prost_types::Any::decode(value.value.clone()).unwrap();
    (
        any.type_url,
        SeenCount::decode(&any.value[..]).unwrap().seen,
    )
}

#[tokio::test(start_paused = true)]
async fn greets_counts_and_forwards_under_the_harness() {
    let harness = Harness::builder()
        .service_v2(
            "example/greeter",
            greeter_v2::handler().into_service(),
            vec![StateDecl::new("seen_count").expiring(
                std::time::Duration::from_secs(86_400),
                ExpireMode::AfterInvoke,
            )],
        )
        .service_v2(
            "example/email_sender",
            greeter_v2::handler().into_service(),
            vec![StateDecl::new("sent")],
        )
        .egress("example/greets")
        .build()
        .unwrap();
    let bob = Address::new("example", "greeter", "Bob");
    for _ in 0..2 {
        harness.send(bob.clone(), greet("Bob")).await.unwrap();
        harness.run_until_quiescent().await.unwrap();
    }
    harness
        .send(Address::new("example", "greeter", "Alice"), greet("Alice"))
        .await
        .unwrap();
    harness.run_until_quiescent().await.unwrap();

    assert_eq!(
        seen(&harness.state(&bob, "seen_count").unwrap()),
        ("type.googleapis.com/example.SeenCount".to_owned(), 2)
    );
    let sender = Address::new("example", "email_sender", "Bob");
    assert_eq!(seen(&harness.state(&sender, "sent").unwrap()).1, 2);

    let records = harness.egress("example/greets");
    let values: Vec<String> = records
        .iter()
        .map(|record| {
            let record =
                statefun_protocol::egress::KafkaProducerRecord::decode(record.value.clone())
                    .unwrap();
            assert_eq!(record.topic, "greetings");
            String::from_utf8(record.value_bytes.to_vec()).unwrap()
        })
        .collect();
    assert_eq!(
        values,
        [
            greeter_v2::greeting("Bob", 1),
            greeter_v2::greeting("Bob", 2),
            greeter_v2::greeting("Alice", 1)
        ]
    );

    // The state expires a day after its last use, as the module says.
    harness
        .advance(std::time::Duration::from_secs(86_401))
        .await
        .unwrap();
    assert!(harness.state(&bob, "seen_count").is_none());
}
