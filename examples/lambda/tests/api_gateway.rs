//! The function as Lambda runs it: every call arrives as an API Gateway HTTP API (payload 2.0)
//! event with a base64 body and leaves as a JSON answer, here driven end to end by the
//! reference runtime through a bridge that plays API Gateway and the Lambda service.

use std::convert::Infallible;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use lambda_greeter::{GREETER, GREETINGS, SEEN};
use lambda_http::Body;
use prost::Message as _;
use serde_json::{Value, json};
use statefun_sdk::types::{IntType, StringType};
use statefun_sdk::{Address, MessageBuilder};
use statefun_testing::convert;
use statefun_testing::protocol::from_function::Response as FromFunctionResponse;
use statefun_testing::protocol::to_function::{
    Invocation, InvocationBatchRequest, PersistedValue, Request,
};
use statefun_testing::protocol::{FromFunction, ToFunction};
use statefun_testing::{Harness, KafkaRecord};

/// An HTTP API event for `POST /` with `body`, as API Gateway builds it.
fn http_api_event(body: &[u8]) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/octet-stream",
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "user-agent": "statefun",
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": { "method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "statefun" },
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "routeKey": "$default",
            "stage": "$default",
            "time": "21/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1_795_255_200_000_i64,
        },
        "body": BASE64.encode(body),
        "isBase64Encoded": true,
    })
}

/// What API Gateway does with the function's answer: status, content type and the body,
/// base64-decoded when the function marked it binary.
async fn invoke(event: &Value) -> (u16, Option<String>, Bytes) {
    let request = lambda_http::request::from_str(&event.to_string()).expect("a valid event");
    let response =
        statefun_sdk::http::lambda::handle_request(&lambda_greeter::handler(), request).await;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = match response.into_body() {
        Body::Binary(bytes) => Bytes::from(bytes),
        Body::Text(text) => Bytes::from(text),
        Body::Empty => Bytes::new(),
        other => panic!("unexpected body {other:?}"),
    };
    (status, content_type, body)
}

/// The sample request of `events/`: Bob's 42nd visit, the state `seen` at 41, as the
/// runtime sends it.
fn sample_request() -> Vec<u8> {
    let bob = Address::new(GREETER, "Bob");
    ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target: Some(convert::address(&bob)),
            state: vec![PersistedValue {
                state_name: SEEN.name().to_owned(),
                state_value: Some(convert::value(&IntType, &41).unwrap()),
            }],
            invocations: vec![Invocation {
                caller: None,
                argument: Some(convert::value(&StringType, &"Bob".to_owned()).unwrap()),
            }],
        })),
    }
    .encode_to_vec()
}

fn sample_event_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("events/http-api.json")
}

/// Set `STATEFUN_REGENERATE=1` to rewrite the sample event instead of checking it.
#[test]
fn the_sample_event_for_cargo_lambda_invoke_is_current() {
    if std::env::var_os("STATEFUN_REGENERATE").is_some() {
        let text = serde_json::to_string_pretty(&http_api_event(&sample_request())).unwrap();
        std::fs::write(sample_event_path(), text + "\n").unwrap();
    }
    let committed: Value =
        serde_json::from_slice(&std::fs::read(sample_event_path()).unwrap()).unwrap();
    assert_eq!(
        committed,
        http_api_event(&sample_request()),
        "run with STATEFUN_REGENERATE=1 to rewrite events/http-api.json"
    );
}

#[tokio::test]
async fn the_sample_event_is_answered_with_a_binary_from_function() {
    let event: Value =
        serde_json::from_slice(&std::fs::read(sample_event_path()).unwrap()).unwrap();
    let (status, content_type, body) = invoke(&event).await;
    assert_eq!(
        (status, content_type.as_deref()),
        (200, Some("application/octet-stream"))
    );
    let Some(FromFunctionResponse::InvocationResult(result)) =
        FromFunction::decode(body).unwrap().response
    else {
        panic!("an invocation result");
    };
    let mutation = &result.state_mutations[0];
    assert_eq!(mutation.state_name, SEEN.name());
    let seen = mutation.state_value.as_ref().expect("a new value");
    assert_eq!(convert::value_as(&IntType, seen).unwrap(), 42);
    let egress = &result.outgoing_egresses[0];
    assert_eq!(
        (
            egress.egress_namespace.as_str(),
            egress.egress_type.as_str()
        ),
        (GREETINGS.namespace(), GREETINGS.name())
    );
    let record = KafkaRecord::from_typed_value(egress.argument.as_ref().unwrap()).unwrap();
    assert_eq!(
        (record.topic.as_str(), record.key.as_deref()),
        ("greetings", Some("Bob"))
    );
    assert_eq!(
        record.value_str().unwrap(),
        "Hello again Bob, visit number 42."
    );
}

/// The runtime's HTTP request → an API Gateway event → the Lambda function → its answer as
/// API Gateway returns it.
async fn through_api_gateway(
    request: http::Request<Full<Bytes>>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let (status, content_type, body) = invoke(&http_api_event(&body)).await;
    let mut response = http::Response::builder().status(status);
    if let Some(content_type) = content_type {
        response = response.header("content-type", content_type);
    }
    Ok(response.body(Full::new(body)).unwrap())
}

#[tokio::test(start_paused = true)]
async fn the_runtime_drives_the_lambda_function_through_api_gateway_events() {
    let harness = Harness::builder()
        .service("lambda/*", tower::service_fn(through_api_gateway))
        .egress(GREETINGS)
        .build()
        .unwrap();
    for _ in 0..2 {
        harness
            .send(MessageBuilder::to(GREETER, "Bob").string("Bob"))
            .await
            .unwrap();
        harness.run_until_quiescent().await.unwrap();
    }
    let greetings: Vec<String> = harness
        .kafka_records(GREETINGS)
        .unwrap()
        .into_iter()
        .map(|record| {
            assert_eq!(
                (record.topic.as_str(), record.key.as_deref()),
                ("greetings", Some("Bob"))
            );
            record.value_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        greetings,
        ["Hello Bob!", "Hello again Bob, visit number 2."]
    );
    let bob = Address::new(GREETER, "Bob");
    assert_eq!(harness.state(&bob, &SEEN).unwrap(), Some(2));
}
