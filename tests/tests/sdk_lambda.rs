//! The Lambda adapter with the events API Gateway and function URLs send: a REST API's
//! payload 1.0 and an HTTP API's or function URL's payload 2.0, their body base64-encoded.
//! The events are read as `lambda_http` reads them, and the last test runs the real Lambda
//! runtime loop against a stand-in for the Lambda Runtime API.

#[path = "support/conformance_functions.rs"]
mod conformance_functions;

use std::collections::VecDeque;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use lambda_http::Body;
use serde_json::{Value, json};
use statefun_sdk::http::lambda;
use statefun_tests::conformance::Case;
use tokio::sync::mpsc;

const API_HOST: &str = "r4nd0m1d.execute-api.eu-west-1.amazonaws.com";
const FUNCTION_URL_HOST: &str = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws";

/// A REST API's Lambda proxy event (payload format 1.0) for `POST /prod/statefun`.
fn rest_api_event(method: &str, content_type: &str, body: &[u8]) -> Value {
    let headers = json!({
        "Accept": "application/octet-stream",
        "Content-Type": content_type,
        "Host": API_HOST,
        "User-Agent": "statefun",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
    });
    let multi_value_headers: serde_json::Map<String, Value> = headers
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| (name.clone(), json!([value])))
        .collect();
    json!({
        "resource": "/statefun",
        "path": "/statefun",
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": multi_value_headers,
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "r4nd0m1d",
            "domainName": API_HOST,
            "domainPrefix": "r4nd0m1d",
            "extendedRequestId": "Yx1aBFvSjoEFQ2Q=",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "statefun"},
            "path": "/prod/statefun",
            "protocol": "HTTP/1.1",
            "requestId": "9f0c1e2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
            "requestTime": "12/Mar/2024:19:03:58 +0000",
            "requestTimeEpoch": 1_710_270_238_000_i64,
            "resourceId": "a1b2c3",
            "resourcePath": "/statefun",
            "stage": "prod",
        },
        "body": BASE64.encode(body),
        "isBase64Encoded": true,
    })
}

/// A function URL's event (payload format 2.0, as HTTP APIs send it) for `POST /`.
fn function_url_event(method: &str, content_type: &str, body: &[u8]) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {
            "accept": "application/octet-stream",
            "content-length": body.len().to_string(),
            "content-type": content_type,
            "host": FUNCTION_URL_HOST,
            "user-agent": "statefun",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefghijklmnopqrstuvwxyz012345",
            "domainName": FUNCTION_URL_HOST,
            "domainPrefix": "abcdefghijklmnopqrstuvwxyz012345",
            "http": {
                "method": method,
                "path": "/",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "statefun",
            },
            "requestId": "2c1f0c5e-58a4-4d3f-9d2b-0e1f2a3b4c5d",
            "routeKey": "$default",
            "stage": "$default",
            "time": "12/Mar/2024:19:03:58 +0000",
            "timeEpoch": 1_710_270_238_000_i64,
        },
        "body": BASE64.encode(body),
        "isBase64Encoded": true,
    })
}

/// The event as the Lambda runtime hands it to `lambda_http`: JSON text, read into a
/// request.
fn request_of(event: &Value) -> lambda_http::Request {
    lambda_http::request::from_str(&event.to_string()).expect("lambda_http reads the event")
}

fn case(name: &str) -> Case {
    statefun_tests::conformance::cases()
        .into_iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no conformance case {name}"))
}

/// The binary body of a 200 `application/octet-stream` answer.
fn from_function(response: &lambda_http::Response<Body>) -> Result<&[u8], String> {
    let status = response.status();
    let content_type = response.headers().get("content-type");
    match response.body() {
        Body::Binary(bytes)
            if status == 200 && content_type.is_some_and(|v| v == "application/octet-stream") =>
        {
            Ok(bytes)
        }
        other => Err(format!(
            "expected a binary 200 application/octet-stream answer, got {status} {content_type:?} {other:?}"
        )),
    }
}

#[tokio::test]
async fn a_rest_api_event_is_answered_with_a_binary_from_function() {
    let handler = conformance_functions::conformance_handler();
    let case = case("19-caller-and-reply");
    let event = rest_api_event("POST", "application/octet-stream", &case.request);

    let response = lambda::handle_request(&handler, request_of(&event)).await;

    let body = from_function(&response).unwrap();
    statefun_tests::semantic_diff(&case.expected, body).unwrap();
}

#[tokio::test]
async fn every_conformance_case_through_function_url_events() {
    let handler = conformance_functions::conformance_handler();
    let mut answers = Vec::new();
    for case in statefun_tests::conformance::cases() {
        let event = function_url_event("POST", "application/octet-stream", &case.request);
        answers.push(lambda::handle_request(&handler, request_of(&event)).await);
    }
    let mut answers = answers.into_iter();
    statefun_tests::conformance::check_all(|case| {
        let answer = answers.next().expect("one answer per case");
        statefun_tests::semantic_diff(&case.expected, from_function(&answer)?)
    });
}

#[tokio::test]
async fn errors_keep_the_sdks_status_codes_as_text() {
    let handler = conformance_functions::conformance_handler();
    let request = case("01-missing-all-states").request;

    let get = function_url_event("GET", "application/octet-stream", &request);
    let response = lambda::handle_request(&handler, request_of(&get)).await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert!(
        matches!(response.body(), Body::Text(text) if text.contains("GET")),
        "{:?}",
        response.body()
    );

    let json = rest_api_event("POST", "application/json", &request);
    let response = lambda::handle_request(&handler, request_of(&json)).await;
    assert_eq!(response.status(), 415);
    assert!(
        matches!(response.body(), Body::Text(text) if text.contains("application/json")),
        "{:?}",
        response.body()
    );

    let garbage = rest_api_event("POST", "application/octet-stream", &[0xA2, 0x06, 0x10]);
    let response = lambda::handle_request(&handler, request_of(&garbage)).await;
    assert_eq!(response.status(), 400);
    assert!(matches!(response.body(), Body::Text(_)));
}

/// The Lambda Runtime API, as far as a function uses it: it hands out `events` one by one
/// and reports every answer (or error) the function posts back.
#[derive(Clone)]
struct RuntimeApi {
    events: Arc<Mutex<VecDeque<(String, Value)>>>,
    answers: mpsc::UnboundedSender<(String, Result<Value, String>)>,
}

async fn next_invocation(State(api): State<RuntimeApi>) -> Response {
    let next = api.events.lock().unwrap().pop_front();
    let Some((request_id, event)) = next else {
        // The real API holds the request until an event comes; none will.
        return std::future::pending().await;
    };
    let deadline = SystemTime::now() + Duration::from_secs(60);
    let deadline_ms = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis();
    (
        [
            ("lambda-runtime-aws-request-id", request_id),
            ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-west-1:123456789012:function:statefun".to_owned(),
            ),
            ("content-type", "application/json".to_owned()),
        ],
        event.to_string(),
    )
        .into_response()
}

async fn invocation_response(
    State(api): State<RuntimeApi>,
    Path(request_id): Path<String>,
    body: String,
) -> StatusCode {
    let answer = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"));
    let _ = api.answers.send((request_id, answer));
    StatusCode::ACCEPTED
}

async fn invocation_error(
    State(api): State<RuntimeApi>,
    Path(request_id): Path<String>,
    body: String,
) -> StatusCode {
    let _ = api.answers.send((request_id, Err(body)));
    StatusCode::ACCEPTED
}

/// A child process, killed when dropped so that a failing test leaves none behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const CHILD_TEST: &str = "lambda_run_in_a_child_process";

/// Not a test of its own: [`lambda_run_answers_the_runtime_api_events`] runs it in a child
/// process, with the environment the Lambda runtime needs.
#[tokio::test]
#[ignore = "run as a child process by lambda_run_answers_the_runtime_api_events"]
async fn lambda_run_in_a_child_process() {
    // Without the Lambda environment (e.g. under `cargo test -- --ignored`) there is
    // nothing to serve.
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return;
    }
    lambda::run(conformance_functions::conformance_handler())
        .await
        .expect("the Lambda runtime loop runs until the process is killed");
}

#[tokio::test]
async fn lambda_run_answers_the_runtime_api_events() {
    let rest_case = case("22-kafka");
    let url_case = case("21-send-after-and-cancel");
    let events = VecDeque::from([
        (
            "rest".to_owned(),
            rest_api_event("POST", "application/octet-stream", &rest_case.request),
        ),
        (
            "url".to_owned(),
            function_url_event("POST", "application/octet-stream", &url_case.request),
        ),
        (
            "get".to_owned(),
            function_url_event("GET", "application/octet-stream", b""),
        ),
    ]);
    let expected_answers = events.len();
    let (answers, mut answered) = mpsc::unbounded_channel();
    let api = RuntimeApi {
        events: Arc::new(Mutex::new(events)),
        answers,
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
        .route(
            "/2018-06-01/runtime/invocation/{request_id}/response",
            post(invocation_response),
        )
        .route(
            "/2018-06-01/runtime/invocation/{request_id}/error",
            post(invocation_error),
        )
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let _child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args([CHILD_TEST, "--exact", "--ignored", "--nocapture"])
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "statefun")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdout(Stdio::null())
            .spawn()
            .expect("the test binary starts again as the Lambda function"),
    );

    let mut by_id = std::collections::HashMap::new();
    while by_id.len() < expected_answers {
        let (request_id, answer) = tokio::time::timeout(Duration::from_secs(60), answered.recv())
            .await
            .expect("the function answers every event within a minute")
            .expect("the stand-in API is running");
        by_id.insert(
            request_id,
            answer.expect("the function answered, not failed"),
        );
    }

    // Payload 1.0 answers carry their headers as lists, payload 2.0 answers as strings.
    let rest = &by_id["rest"];
    assert_eq!(rest["statusCode"], 200, "{rest}");
    assert_eq!(
        rest["multiValueHeaders"]["content-type"],
        json!(["application/octet-stream"]),
        "{rest}"
    );
    assert_eq!(rest["isBase64Encoded"], true, "{rest}");
    let body = BASE64.decode(rest["body"].as_str().unwrap()).unwrap();
    statefun_tests::semantic_diff(&rest_case.expected, &body).unwrap();

    let url = &by_id["url"];
    assert_eq!(url["statusCode"], 200, "{url}");
    assert_eq!(
        url["headers"]["content-type"], "application/octet-stream",
        "{url}"
    );
    assert_eq!(url["isBase64Encoded"], true, "{url}");
    let body = BASE64.decode(url["body"].as_str().unwrap()).unwrap();
    statefun_tests::semantic_diff(&url_case.expected, &body).unwrap();

    let get = &by_id["get"];
    assert_eq!(get["statusCode"], 405, "{get}");
    assert_eq!(get["isBase64Encoded"], false, "{get}");
    assert_eq!(get["headers"]["allow"], "POST", "{get}");
    assert!(
        get["body"].as_str().unwrap().contains("POST"),
        "a readable message: {get}"
    );
}
