//! The admin API over HTTP: parked addresses listed, retried and skipped.

// Shared with the smoke test, which uses all of it.
#[path = "smoke/runtime.rs"]
#[allow(dead_code)]
mod runtime;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use runtime::request;
use serde_json::Value;
use statefun_runtime::FailurePolicy;
use statefun_runtime::config::ModuleConfig;
use statefun_runtime::local::{LocalOptions, LocalStatefun};
use statefun_runtime::protocol::{Address, TypedValue};

fn json(address: SocketAddr, method: &str, path: &str) -> (u16, Value) {
    let (status, body) = request(address, method, path, "application/json", b"").unwrap();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parked_addresses_are_listed_retried_and_skipped() {
    // Nothing listens on port 1: every call fails at once.
    let module = ModuleConfig::parse(
        "kind: io.statefun.endpoints.v2/http
spec:
  functions: t/*
  urlPathTemplate: http://127.0.0.1:1/statefun
  transport:
    call: 100ms
",
    )
    .unwrap();
    let mut options = LocalOptions::default();
    options.admin = Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0));
    options.on_failure = FailurePolicy::Park {
        first_retry: Duration::from_secs(3600),
        max_retry: Duration::from_secs(3600),
    };
    let local = LocalStatefun::start_with(&module, Ipv4Addr::LOCALHOST.into(), options)
        .await
        .unwrap();
    let admin = local.admin_address().unwrap();
    let bad = Address::new("t", "f", "a b");
    for text in ["one", "two"] {
        local
            .runtime()
            .send(
                bad.clone(),
                TypedValue::new("t/text", text.as_bytes().to_vec()),
            )
            .await
            .unwrap();
    }
    local.runtime().run_until_quiescent().await.unwrap();

    let admin_get = tokio::task::spawn_blocking(move || json(admin, "GET", "/api/parked"));
    let (status, listed) = admin_get.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(listed["active"], 0);
    let parked = &listed["parked"][0];
    assert_eq!(parked["address"]["id"], "a b");
    assert_eq!(parked["messages"], 2);
    assert_eq!(parked["error_kind"], "CallFailed");
    assert_eq!(parked["endpoint"], "http://127.0.0.1:1/statefun");
    assert_eq!(parked["path"], "t/f/a b");

    // The address's own view says it is parked, since when and why; the metrics count it.
    let (view, metrics) = tokio::task::spawn_blocking(move || {
        let view = json(admin, "GET", "/api/addresses/t/f/a%20b");
        let (status, text) = request(admin, "GET", "/metrics", "text/plain", b"").unwrap();
        assert_eq!(status, 200);
        (view, String::from_utf8(text).unwrap())
    })
    .await
    .unwrap();
    assert_eq!(view.0, 200, "{}", view.1);
    let parking = &view.1["parked"];
    assert_eq!(view.1["in_flight"], false);
    assert_eq!(view.1["backlog"], 2);
    assert!(
        parking["error"].as_str().unwrap().contains("127.0.0.1:1"),
        "the error names the URL tried: {parking}"
    );
    assert_eq!(parking["messages"], 2);
    assert_eq!(parking["retries"], 0);
    let since = humantime::parse_rfc3339(parking["since"].as_str().unwrap()).unwrap();
    assert!(since <= std::time::SystemTime::now());
    let next = humantime::parse_rfc3339(parking["next_retry"].as_str().unwrap()).unwrap();
    assert!(next > since + Duration::from_secs(3000), "{parking}");
    assert!(
        metrics.contains("\nstatefun_parked_addresses 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("\nstatefun_parked_messages 2\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("\nstatefun_in_flight_addresses 0\n"),
        "{metrics}"
    );

    let (skip, unknown) = tokio::task::spawn_blocking(move || {
        (
            json(admin, "POST", "/api/parked/t/f/a%20b/skip"),
            json(admin, "POST", "/api/parked/t/f/nobody/retry"),
        )
    })
    .await
    .unwrap();
    assert_eq!(skip.0, 200, "{}", skip.1);
    assert_eq!(skip.1["message"]["typename"], "t/text");
    assert_eq!(unknown.0, 404);
    assert!(
        unknown.1["error"]
            .as_str()
            .unwrap()
            .contains("is not parked")
    );

    // The second message was sent on at once, failed too, and parked the address again.
    local.runtime().run_until_quiescent().await.unwrap();
    let parked = local.runtime().parked();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].messages, 1);
    let retried =
        tokio::task::spawn_blocking(move || json(admin, "POST", "/api/parked/t/f/a%20b/retry"))
            .await
            .unwrap();
    assert_eq!(retried.0, 200, "{}", retried.1);
    local.runtime().run_until_quiescent().await.unwrap();
    assert_eq!(
        local.runtime().parked()[0].messages,
        1,
        "retried and parked again"
    );
    let (view, metrics) = tokio::task::spawn_blocking(move || {
        let view = json(admin, "GET", "/api/addresses/t/f/a%20b");
        let (_, text) = request(admin, "GET", "/metrics", "text/plain", b"").unwrap();
        (view, String::from_utf8(text).unwrap())
    })
    .await
    .unwrap();
    assert_eq!(view.1["parked"]["retries"], 1, "{}", view.1);
    assert_eq!(view.1["parked"]["messages"], 1, "{}", view.1);
    assert!(
        metrics.contains("\nstatefun_parked_messages 1\n"),
        "{metrics}"
    );
    local.shutdown().await;
}
