//! A function written with the official StateFun Python SDK (apache-flink-statefun 3.3.0)
//! runs under the runtime over HTTP: state with expiration, egress, a delayed message with
//! its caller, and a cancelled one.
//!
//! It needs `STATEFUN_PYTHON`, an interpreter with `apache-flink-statefun` and `aiohttp`
//! (`.ci/run` makes one). Without it the test says it is skipped, except in CI (`CI=true`),
//! where it fails.

mod runtime_support;

use runtime_support::{as_int, as_string, string};
use statefun_protocol::{Address, typename};
use statefun_runtime::{Expiration, FunctionType, Harness};
use statefun_test_support::python::{self, FunctionServer};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/statefun_functions.py");

#[tokio::test]
async fn a_python_sdk_function_runs_under_the_runtime() {
    let needs = "apache-flink-statefun==3.3.0 and aiohttp (see .ci/run)";
    let Some(python) = python::interpreter("STATEFUN_PYTHON", needs) else {
        return;
    };
    let server = FunctionServer::start(&python, SCRIPT);
    let harness = Harness::builder()
        .url(
            "example/*",
            &format!("http://127.0.0.1:{}/statefun", server.port),
        )
        .egress("example/greetings")
        .egress("example/reminders")
        .build()
        .unwrap();
    let bob = Address::new("example", "greeter", "bob");
    let ann = Address::new("example", "greeter", "ann");

    for (address, text) in [
        (&bob, "Bob"),
        (&ann, "Ann"),
        (&bob, "Bob"),
        (&ann, "forget"),
    ] {
        harness.send(address.clone(), string(text)).await.unwrap();
        harness.run_until_quiescent().await.unwrap();
    }
    assert_eq!(
        harness.runtime().pending_delayed_messages(),
        1,
        "Ann's reminder was cancelled"
    );
    harness.run_until_no_delayed_messages().await.unwrap();

    let greetings: Vec<_> = harness
        .egress("example/greetings")
        .iter()
        .map(as_string)
        .collect();
    assert_eq!(
        greetings,
        [
            "Hello Bob, visit #1",
            "Hello Ann, visit #1",
            "Hello Bob, visit #2"
        ]
    );
    let reminders: Vec<_> = harness
        .egress("example/reminders")
        .iter()
        .map(as_string)
        .collect();
    assert_eq!(reminders, ["Reminder for Bob from example/greeter/bob"]);

    let seen = harness.state(&bob, "seen").unwrap();
    assert_eq!(seen.typename, typename::INT);
    assert_eq!(as_int(&seen), 2);
    let specs = harness
        .runtime()
        .state_specs(&FunctionType::new("example", "greeter"));
    assert_eq!(
        specs["seen"].expiration,
        Expiration::AfterInvoke(std::time::Duration::from_secs(86_400))
    );
}
