//! Functions written with the official StateFun 2.x Python SDK (apache-flink-statefun 2.2.2)
//! run unchanged under the local runtime started from a 2.0-format module.yaml, as
//! `statefun-runtime --module module.yaml` starts it: messages in through the playground
//! ingress, between functions with their caller, a delayed message, state with a TTL, and
//! Kafka records out through the 2.x playground egress.
//!
//! It needs `STATEFUN_PYTHON_V2`, an interpreter with `apache-flink-statefun==2.2.2`
//! (`scripts/python-sdk-v2-venv.sh` makes one, `scripts/test.sh` uses it). Without it the
//! test says it is skipped, except in CI (`CI=true`), where it fails.

#[path = "support/http_client.rs"]
#[allow(dead_code)]
mod http_client;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use prost::Message as _;
use statefun_runtime::config::ModuleConfig;
use statefun_runtime::local::LocalStatefun;
use statefun_test_support::python::{self, FunctionServer};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/python/statefun_v2_functions.py"
);

const MODULE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/python/statefun_v2_module.yaml"
);

/// The module file shipped beside the functions, with free ports.
fn module_yaml(port: u16) -> String {
    std::fs::read_to_string(MODULE)
        .unwrap()
        .replace("127.0.0.1:8000", &format!("127.0.0.1:{port}"))
        .replace("port: 8090", "port: 0")
        .replace("port: 8091", "port: 0")
}

fn string_value(text: &str) -> Bytes {
    // google.protobuf.StringValue { value = 1 }
    let mut out = vec![0x0A];
    prost::encoding::encode_varint(text.len() as u64, &mut out);
    out.extend_from_slice(text.as_bytes());
    Bytes::from(out)
}

async fn put(ingress: SocketAddr, path: &str, name: &str) {
    let answer = http_client::send(
        http::Request::put(format!("http://{ingress}{path}"))
            .header(
                http::header::CONTENT_TYPE,
                "application/vnd.type.googleapis.com/google.protobuf.StringValue",
            )
            .body(Full::new(string_value(name)))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
}

/// The next message of `topic`, waiting for it with a deadline: the runtime processes
/// ingress messages asynchronously.
async fn next(egress: SocketAddr, topic: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answer = http_client::send(
            http::Request::get(format!("http://{egress}/{topic}"))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await;
        match answer.status {
            200 => {
                let value = answer.body;
                #[derive(Clone, PartialEq, prost::Message)]
                struct StringValue {
                    #[prost(string, tag = "1")]
                    value: String,
                }
                return StringValue::decode(value).expect("a StringValue").value;
            }
            404 if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            status => panic!("GET /{topic} answered {status}: {}", answer.text()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_2x_sdk_functions_run_under_a_2_0_module() {
    let needs = "apache-flink-statefun==2.2.2 (scripts/python-sdk-v2-venv.sh)";
    let Some(python) = python::interpreter("STATEFUN_PYTHON_V2", needs) else {
        return;
    };
    let server = FunctionServer::start(&python, SCRIPT);
    let module = ModuleConfig::parse(&module_yaml(server.port)).unwrap();
    let local = LocalStatefun::start(&module, IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    let (ingress, egress) = (local.ingress_addresses()[0], local.egress_addresses()[0]);

    put(ingress, "/example/greeter/bob", "Bob").await;
    assert_eq!(next(egress, "greetings").await, "Hello Bob, visit 1");
    put(ingress, "/example/greeter/bob", "Bob").await;
    assert_eq!(next(egress, "greetings").await, "Hello Bob, visit 2");
    put(ingress, "/example/greeter/ann", "Ann").await;
    assert_eq!(next(egress, "greetings").await, "Hello Ann, visit 1");

    // The relay's delayed reminders arrive a second later, in order of sending.
    let mut reminders = Vec::new();
    for _ in 0..3 {
        reminders.push(next(egress, "reminders").await);
    }
    reminders.sort();
    assert_eq!(
        reminders,
        [
            "Reminder: Hello Ann, visit 1",
            "Reminder: Hello Bob, visit 1",
            "Reminder: Hello Bob, visit 2"
        ]
    );

    // The relay replied to its caller: the greeter counted both acknowledgements.
    let bob = statefun_protocol::Address::new("example", "greeter", "bob");
    let deadline = Instant::now() + Duration::from_secs(60);
    let acks = loop {
        let acks = local
            .runtime()
            .state(&bob, "acks")
            .map(|value| prost_types::Any::decode(value.value).unwrap());
        match acks {
            Some(any) if any.value == [0x08, 2] || Instant::now() > deadline => break any,
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    assert_eq!(
        acks.type_url,
        "type.googleapis.com/google.protobuf.Int64Value"
    );
    assert_eq!(acks.value, [0x08, 2], "Int64Value {{ value: 2 }}");
    let queued = http_client::send(
        http::Request::get(format!("http://{egress}/undeclared"))
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert_eq!(queued.status, 405);
    local.shutdown().await;
}
