//! The playground tutorial flow over real HTTP: a module.yaml with an HTTP endpoint and
//! the playground ingress and egress, a greeter function, `PUT` to the ingress and `GET`
//! from the egress topic.

mod runtime_support;

use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use runtime_support::function::spec;
use runtime_support::{Functions, TestServer, as_int, int};
use statefun_protocol::{Address, TypedValue, typename};
use statefun_runtime::config::ModuleConfig;
use statefun_runtime::local::LocalStatefun;

/// The playground greeter: a JSON `GreetRequest` in, a JSON `EgressRecord` out.
fn greeter() -> Functions {
    Functions::new().with(
        "example/person",
        vec![spec("visits", typename::INT)],
        |context, argument| {
            assert_eq!(argument.typename, "example/GreetRequest");
            let request: serde_json::Value = serde_json::from_slice(&argument.value).unwrap();
            let visits = context.get("visits").map_or(0, |v| as_int(&v)) + 1;
            context.set("visits", int(visits));
            let record = serde_json::json!({
                "topic": "greetings",
                "payload": format!("Hello {}, visit #{visits}", request["name"].as_str().unwrap()),
            });
            context.egress(
                "io.statefun.playground/egress",
                TypedValue::new(
                    "io.statefun.playground/EgressRecord",
                    serde_json::to_vec(&record).unwrap(),
                ),
            );
        },
    )
}

async fn call(
    method: &str,
    address: SocketAddr,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, String) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("http://{address}{path}"));
    if let Some(content_type) = content_type {
        request = request.header(http::header::CONTENT_TYPE, content_type);
    }
    let response = client
        .request(
            request
                .body(Full::new(Bytes::from(body.to_owned())))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_playground_tutorial_flow_works_over_http() {
    let function = TestServer::start(greeter()).await;
    let module = ModuleConfig::parse(&format!(
        "kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: {}
  transport:
    type: io.statefun.transports.v1/async
---
kind: io.statefun.playground.v1/ingress
spec:
  port: 0
---
kind: io.statefun.playground.v1/egress
spec:
  port: 0
  topics:
    - greetings
",
        function.url("/statefun")
    ))
    .unwrap();
    let local = LocalStatefun::start(&module, Ipv4Addr::LOCALHOST.into())
        .await
        .unwrap();
    let ingress = local.ingress_addresses()[0];
    let egress = local.egress_addresses()[0];
    let greet = Some("application/vnd.example/GreetRequest");

    assert_eq!(
        call(
            "PUT",
            ingress,
            "/example/person/Bob",
            greet,
            r#"{"name": "Bob"}"#
        )
        .await,
        (200, String::new())
    );
    local.runtime().run_until_quiescent().await.unwrap();
    assert_eq!(
        call("GET", egress, "/greetings", None, "").await,
        (200, "Hello Bob, visit #1".into())
    );
    assert_eq!(
        call("GET", egress, "/greetings", None, "").await.0,
        404,
        "the topic is empty now"
    );

    call(
        "POST",
        ingress,
        "/example/person/Bob",
        greet,
        r#"{"name": "Bob"}"#,
    )
    .await;
    local.runtime().run_until_quiescent().await.unwrap();
    assert_eq!(
        call("GET", egress, "/greetings", None, "").await,
        (200, "Hello Bob, visit #2".into())
    );
    let bob = Address::new("example", "person", "Bob");
    assert_eq!(
        local.runtime().state(&bob, "visits").map(|v| as_int(&v)),
        Some(2)
    );

    assert_eq!(call("GET", egress, "/undeclared", None, "").await.0, 405);
    let (status, reason) = call("PUT", ingress, "/example/person", greet, "{}").await;
    assert_eq!(status, 500);
    assert!(
        reason.contains("/namespace/function_type/function_id"),
        "{reason}"
    );
    let (status, reason) = call("PUT", ingress, "/other/person/Bob", greet, "{}").await;
    assert_eq!(status, 404);
    assert!(reason.contains("`other/person`"), "{reason}");

    local.shutdown().await;
}
