//! The SDK's HTTP service behind its built-in server, over real HTTP: every status code of
//! the protocol contract, a panicking function that does not take the server down, and the
//! whole conformance suite through the wire.

#[path = "support/conformance_functions.rs"]
mod conformance_functions;
#[path = "support/http_client.rs"]
mod http_client;

use bytes::Bytes;
use http_body_util::Full;
use http_client::{TestServer, post, send};
use prost::Message as _;
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, PersistedValue, Request};
use statefun_protocol::{Address as WireAddress, FromFunction, ToFunction, TypedValue};
use statefun_sdk::{Context, Error, FunctionSpec, Message, RequestReplyHandler, TypeName};

const FAILING: TypeName = TypeName::from_static("test/failing");
const PANICKING: TypeName = TypeName::from_static("test/panicking");
const FINE: TypeName = TypeName::from_static("test/fine");
const GATED: TypeName = TypeName::from_static("test/gated");

/// The gated function signals ENTERED, then waits for GATE.
static ENTERED: tokio::sync::Notify = tokio::sync::Notify::const_new();
static GATE: tokio::sync::Notify = tokio::sync::Notify::const_new();

async fn gated(ctx: &mut Context, _: Message) -> Result<(), Error> {
    ENTERED.notify_one();
    GATE.notified().await;
    ctx.send_egress(statefun_sdk::EgressBuilder::to(FINE).string("done"));
    Ok(())
}

async fn failing(_: &mut Context, _: Message) -> Result<(), Error> {
    Err(Error::msg("the database is on fire"))
}

async fn panicking(_: &mut Context, message: Message) -> Result<(), Error> {
    if message.as_string()? == "boom" {
        panic!("deliberate panic for the test");
    }
    Ok(())
}

async fn fine(_: &mut Context, _: Message) -> Result<(), Error> {
    Ok(())
}

fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(FunctionSpec::new(FAILING, failing))
        .register(FunctionSpec::new(PANICKING, panicking))
        .register(FunctionSpec::new(FINE, fine))
        .register(FunctionSpec::new(GATED, gated))
        .build()
        .unwrap()
}

fn request_for(namespace: &str, name: &str, argument: &str) -> Bytes {
    let mut value = Vec::new();
    if !argument.is_empty() {
        value.push(0x0A);
        value.push(argument.len() as u8);
        value.extend_from_slice(argument.as_bytes());
    }
    let request = ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target: Some(WireAddress::new(namespace, name, "id-1")),
            state: vec![PersistedValue {
                state_name: "extra".into(),
                state_value: None,
            }],
            invocations: vec![Invocation {
                caller: None,
                argument: Some(TypedValue::new("io.statefun.types/string", value)),
            }],
        })),
    };
    Bytes::from(request.encode_to_vec())
}

async fn server() -> TestServer {
    TestServer::start(handler().into_service().body_limit(4096)).await
}

#[tokio::test]
async fn success_is_200_octet_stream_with_a_from_function() {
    let server = server().await;
    let answer = post(&server.url("/statefun"), request_for("test", "fine", "hi")).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/octet-stream")
    );
    assert!(
        FromFunction::decode(answer.body)
            .unwrap()
            .response
            .is_some()
    );
}

#[tokio::test]
async fn any_path_serves_the_functions() {
    let server = server().await;
    for path in ["/", "/statefun", "/a/b/c"] {
        assert_eq!(
            post(&server.url(path), request_for("test", "fine", "x"))
                .await
                .status,
            200,
            "{path}"
        );
    }
}

#[tokio::test]
async fn other_methods_get_405() {
    let server = server().await;
    let request = http::Request::get(server.url("/statefun"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let answer = send(request).await;
    assert_eq!(answer.status, 405);
    assert!(
        answer.text().contains("GET") && answer.text().contains("POST"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn other_content_types_get_415() {
    let server = server().await;
    let request = http::Request::post(server.url("/statefun"))
        .header("content-type", "application/json")
        .body(Full::new(request_for("test", "fine", "x")))
        .unwrap();
    let answer = send(request).await;
    assert_eq!(answer.status, 415);
    assert!(
        answer.text().contains("application/json"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn no_content_type_is_accepted() {
    let server = server().await;
    let request = http::Request::post(server.url("/statefun"))
        .body(Full::new(request_for("test", "fine", "x")))
        .unwrap();
    assert_eq!(send(request).await.status, 200);
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let server = server().await;
    let answer = post(&server.url("/statefun"), Bytes::from(vec![0u8; 5000])).await;
    assert_eq!(answer.status, 413);
    assert!(answer.text().contains("4096"), "{}", answer.text());
}

#[tokio::test]
async fn malformed_protobuf_gets_400_naming_the_problem() {
    let server = server().await;
    let answer = post(
        &server.url("/statefun"),
        Bytes::from_static(&[0xA2, 0x06, 0x10, 0x0A]),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.text().contains("not a valid ToFunction"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn a_request_without_batch_gets_400() {
    let server = server().await;
    let answer = post(&server.url("/statefun"), Bytes::new()).await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.text().contains("no invocation batch"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn an_unknown_function_type_gets_a_retryable_503_naming_it() {
    let server = server().await;
    let answer = post(&server.url("/statefun"), request_for("test", "nobody", "x")).await;
    assert_eq!(answer.status, 503);
    let text = answer.text();
    assert!(
        text.contains("`test/nobody`") && text.contains("`test/fine`"),
        "{text}"
    );
}

#[tokio::test]
async fn a_function_error_gets_500_with_its_message() {
    let server = server().await;
    let answer = post(
        &server.url("/statefun"),
        request_for("test", "failing", "x"),
    )
    .await;
    assert_eq!(answer.status, 500);
    let text = answer.text();
    assert!(
        text.contains("the database is on fire") && text.contains("test/failing/id-1"),
        "{text}"
    );
}

#[tokio::test]
async fn a_panic_gets_500_and_the_server_keeps_serving() {
    let server = server().await;
    let answer = post(
        &server.url("/statefun"),
        request_for("test", "panicking", "boom"),
    )
    .await;
    assert_eq!(answer.status, 500);
    assert!(
        answer.text().contains("deliberate panic"),
        "{}",
        answer.text()
    );
    let answer = post(
        &server.url("/statefun"),
        request_for("test", "panicking", "calm"),
    )
    .await;
    assert_eq!(
        answer.status, 200,
        "the same server answers the next request"
    );
}

#[tokio::test]
async fn graceful_shutdown_lets_the_request_in_flight_finish_and_stops_accepting() {
    let server = server().await;
    let url = server.url("/statefun");
    let in_flight =
        tokio::spawn(async move { post(&url, request_for("test", "gated", "x")).await });
    ENTERED.notified().await;

    let address = server.address;
    let shutdown = tokio::spawn(server.shut_down());
    // The listener closes at once; the request in flight is still waiting at the gate.
    let mut refused = false;
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(refused, "no longer accepting connections");
    assert!(
        !shutdown.is_finished(),
        "shutdown waits for the request in flight"
    );

    GATE.notify_one();
    let answer = in_flight.await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text());
    let result = FromFunction::decode(answer.body).unwrap();
    assert!(
        format!("{result:?}").contains("done"),
        "the gated function completed: {result:?}"
    );
    shutdown.await.unwrap();
}

#[tokio::test]
async fn every_conformance_case_over_http() {
    let server =
        TestServer::start(conformance_functions::conformance_handler().into_service()).await;
    let url = server.url("/statefun");
    let mut answers = Vec::new();
    for case in statefun_tests::conformance::cases() {
        answers.push(post(&url, case.request.clone()).await);
    }
    let mut answers = answers.into_iter();
    statefun_tests::conformance::check_all(|case| {
        let answer = answers.next().unwrap();
        if answer.status != 200
            || answer.content_type.as_deref() != Some("application/octet-stream")
        {
            return Err(format!(
                "HTTP {} {:?}: {}",
                answer.status,
                answer.content_type,
                answer.text()
            ));
        }
        statefun_tests::semantic_diff(&case.expected, &answer.body)
    });
}
