//! The runtime's admin API and metrics for the greeter, over real HTTP: Bob's state after
//! two greet requests, the counters, the deliveries, a peek that consumes nothing, sending
//! through the API, and the bad inputs it refuses.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use greeter::local::{self, Ports, Running};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

const DEADLINE: Duration = Duration::from_secs(60);

async fn call(
    method: &str,
    url: String,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, String, Option<String>) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request = http::Request::builder().method(method).uri(url);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = client
        .request(request.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        String::from_utf8(body.to_vec()).unwrap(),
        content_type,
    )
}

async fn get_json(admin: SocketAddr, path: &str) -> (u16, Value) {
    let (status, body, _) = call("GET", format!("http://{admin}{path}"), None, Vec::new()).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn start() -> (Running, SocketAddr) {
    let ports = Ports {
        functions: 0,
        ingress: 0,
        egress: 0,
    };
    let admin = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let running = local::start_with_admin(ports, Some(admin)).await.unwrap();
    let admin = running.admin().expect("the admin server was started");
    (running, admin)
}

async fn greet_bob(running: &Running) {
    let (status, body, _) = call(
        "PUT",
        format!("http://{}/example/person/Bob", running.ingress()),
        Some("application/vnd.example/GreetRequest"),
        br#"{"name": "Bob"}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// Polls `path` until `done` holds for its JSON, within the deadline.
async fn wait_for(admin: SocketAddr, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let (status, body) = get_json(admin, path).await;
        if status == 200 && done(&body) {
            return body;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{path} never got there: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bobs_address_counters_deliveries_and_egress_after_two_greetings() {
    let (running, admin) = start().await;
    assert_eq!(
        get_json(admin, "/api/addresses/example/person/Bob").await.0,
        404,
        "nothing at Bob's yet"
    );
    greet_bob(&running).await;
    greet_bob(&running).await;
    let topic = wait_for(admin, "/api/egress/greetings", |topic| topic["length"] == 2).await;
    assert_eq!(
        topic["messages"],
        json!(["Welcome Bob", "Nice to see you again Bob"])
    );

    let bob = wait_for(admin, "/api/addresses/example/person/Bob", |_| true).await;
    assert_eq!(
        bob,
        json!({
            "address": "example/person/Bob",
            "state": {"visits": {"typename": "io.statefun.types/int", "value": 2, "base64": "DQIAAAA="}},
            "backlog": 0,
            "delayed": [],
            "in_flight": false,
            "parked": null,
        })
    );

    let functions = get_json(admin, "/api/functions").await.1;
    let person = functions["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|function| function["type"] == "example/person")
        .unwrap()
        .clone();
    assert_eq!(person["invocations"], 2, "{person}");
    assert!(person["batches"].as_u64().unwrap() >= 2, "{person}");
    assert_eq!(person["sent_to"], json!({"example/greeter": 2}));
    assert_eq!(person["endpoint"]["transport"], "http");
    assert!(
        person["endpoint"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/statefun"),
        "{person}"
    );
    assert!(person["latency_ms"]["p99"].is_number(), "{person}");

    let deliveries = get_json(admin, "/api/deliveries?address=example/person/Bob&limit=10")
        .await
        .1;
    let deliveries = deliveries["deliveries"].as_array().unwrap();
    // The first batch to Bob asked for its state and was sent again; then two answered
    // batches to Bob (from the ingress) and two from Bob to the greeter.
    assert_eq!(deliveries.len(), 5, "{deliveries:?}");
    let outcomes: Vec<&Value> = deliveries
        .iter()
        .filter(|delivery| delivery["to"] == "example/person/Bob")
        .map(|delivery| &delivery["outcome"])
        .collect();
    assert_eq!(
        outcomes,
        [&json!("applied"), &json!("applied"), &json!("incomplete")]
    );
    for delivery in deliveries
        .iter()
        .filter(|delivery| delivery["to"] == "example/person/Bob")
    {
        assert_eq!(delivery["from"], Value::Null);
        assert_eq!(delivery["typename"], "example/GreetRequest");
        assert_eq!(delivery["batch_size"], 1);
    }
    let from_bob = deliveries
        .iter()
        .filter(|delivery| delivery["from"] == "example/person/Bob")
        .count();
    assert_eq!(from_bob, 2);

    // The peek consumed nothing: the playground egress still gives both greetings.
    for expected in ["Welcome Bob", "Nice to see you again Bob"] {
        let (status, body, _) = call(
            "GET",
            format!("http://{}/greetings", running.egress()),
            None,
            Vec::new(),
        )
        .await;
        assert_eq!((status, body.as_str()), (200, expected));
    }
    assert_eq!(
        get_json(admin, "/api/egress").await.1,
        json!({"topics": [{"topic": "greetings", "length": 0}]})
    );

    let page = get_json(admin, "/api/addresses?type=example/person&prefix=B")
        .await
        .1;
    assert_eq!(
        page,
        json!({"addresses": ["example/person/Bob"], "next": null})
    );

    let (status, metrics, content_type) =
        call("GET", format!("http://{admin}/metrics"), None, Vec::new()).await;
    assert_eq!(status, 200);
    assert!(
        content_type
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    for line in [
        r#"statefun_invocations_total{function_type="example/person"} 2"#,
        r#"statefun_messages_total{function_type="example/person",target_type="example/greeter"} 2"#,
        r#"statefun_call_latency_seconds_count{function_type="example/person"}"#,
        "statefun_backlog_messages 0",
        "statefun_in_flight_addresses 0",
        r#"statefun_egress_queue_messages{topic="greetings"} 0"#,
    ] {
        assert!(metrics.contains(line), "no `{line}` in\n{metrics}");
    }
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_sent_through_the_api_reach_the_function_and_addresses_are_paged() {
    let (running, admin) = start().await;
    for name in ["Erin", "Carol", "Dave"] {
        let (status, body, _) = call(
            "POST",
            format!("http://{admin}/api/send/example/person/{name}"),
            Some("application/vnd.example/GreetRequest"),
            format!(r#"{{"name": "{name}"}}"#).into_bytes(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    for name in ["Carol", "Dave", "Erin"] {
        let path = format!("/api/addresses/example/person/{name}");
        let person = wait_for(admin, &path, |person| {
            person["state"]["visits"]["value"] == 1
        })
        .await;
        assert_eq!(person["in_flight"], false);
    }
    let first = get_json(admin, "/api/addresses?type=example/person&limit=2")
        .await
        .1;
    assert_eq!(
        first,
        json!({"addresses": ["example/person/Carol", "example/person/Dave"], "next": "example/person/Dave"})
    );
    let rest = get_json(
        admin,
        "/api/addresses?type=example/person&limit=2&after=example/person/Dave",
    )
    .await
    .1;
    assert_eq!(
        rest,
        json!({"addresses": ["example/person/Erin"], "next": null})
    );
    running.shutdown().await;
}

/// Method, URL, content type, body; the status and a part of the message expected.
type BadInput<'a> = (&'a str, String, Option<&'a str>, Vec<u8>, u16, &'a str);

#[tokio::test(flavor = "multi_thread")]
async fn bad_inputs_get_a_4xx_naming_what_was_wrong() {
    let (running, admin) = start().await;
    let url = |path: &str| format!("http://{admin}{path}");
    let cases: Vec<BadInput> = vec![
        (
            "GET",
            url("/api/send/example/person/Bob"),
            None,
            vec![],
            405,
            "",
        ),
        ("POST", url("/api/functions"), None, vec![], 405, ""),
        (
            "GET",
            url("/api/deliveries?limit=0"),
            None,
            vec![],
            400,
            "limit must be between 1 and 1024",
        ),
        (
            "GET",
            url("/api/deliveries?limit=many"),
            None,
            vec![],
            400,
            "limit",
        ),
        (
            "GET",
            url("/api/deliveries?address=nobody"),
            None,
            vec![],
            400,
            "address: invalid address",
        ),
        (
            "GET",
            url("/api/addresses?limit=1001"),
            None,
            vec![],
            400,
            "limit must be between 1 and 1000",
        ),
        (
            "GET",
            url("/api/addresses?type=example"),
            None,
            vec![],
            400,
            "is not `namespace/name`",
        ),
        (
            "GET",
            url(&format!("/api/addresses?prefix={}", "x".repeat(5000))),
            None,
            vec![],
            400,
            "prefix is longer",
        ),
        (
            "GET",
            url("/api/addresses/example/person/Nobody"),
            None,
            vec![],
            404,
            "holds nothing",
        ),
        (
            "GET",
            url("/api/egress/nope"),
            None,
            vec![],
            404,
            "no playground egress topic `nope`",
        ),
        (
            "GET",
            url("/api/egress/greetings?limit=5000"),
            None,
            vec![],
            400,
            "limit must be between 1 and 1000",
        ),
        (
            "GET",
            url("/api/nothing"),
            None,
            vec![],
            404,
            "no such page",
        ),
        (
            "POST",
            url("/api/send/unknown/fn/x"),
            None,
            b"hi".to_vec(),
            404,
            "unknown/fn",
        ),
        (
            "POST",
            url("/api/send/example/person/Bob"),
            Some("application/vnd.noslash"),
            vec![],
            400,
            "is not `namespace/name`",
        ),
        (
            "POST",
            url("/api/send/example/person/Bob"),
            None,
            vec![0; 4 * 1024 * 1024 + 1],
            413,
            "at most 4194304 bytes",
        ),
    ];
    for (method, url, content_type, body, status, message) in cases {
        let (got, answer, _) = call(method, url.clone(), content_type, body).await;
        assert_eq!(got, status, "{method} {url}: {answer}");
        if !message.is_empty() {
            let error: Value = serde_json::from_str(&answer).unwrap();
            let error = error["error"].as_str().unwrap();
            assert!(error.contains(message), "{method} {url}: {error}");
        }
    }
    // A page of another site may not send; the dashboard's own page may.
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    for (origin, status) in [
        ("http://evil.example", 403),
        (&*format!("http://{admin}"), 200),
    ] {
        let request = http::Request::post(url("/api/send/example/person/Dave"))
            .header("origin", origin)
            .header("content-type", "application/vnd.example/GreetRequest")
            .body(Full::new(Bytes::from_static(br#"{"name": "Dave"}"#)))
            .unwrap();
        let response = client.request(request).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "from {origin}");
    }
    running.shutdown().await;
}
