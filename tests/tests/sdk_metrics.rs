//! The built-in server's opt-in Prometheus metrics, over real HTTP: requests by status,
//! invocations and latency by function type, failures by kind, on the functions' port.

// This test starts its own server, with metrics, instead of the helper's TestServer.
#[allow(dead_code)]
#[path = "support/http_client.rs"]
mod http_client;

use bytes::Bytes;
use http_body_util::Full;
use http_client::{post, send};
use prost::Message as _;
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, Request};
use statefun_protocol::{Address, FromFunction, ToFunction, TypedValue};
use statefun_sdk::http::metrics::ServerMetrics;
use statefun_sdk::http::server::Server;
use statefun_sdk::{Context, Error, FunctionSpec, Message, RequestReplyHandler, TypeName};

const FINE: TypeName = TypeName::from_static("test/fine");
const FAILING: TypeName = TypeName::from_static("test/failing");

async fn fine(_: &mut Context, _: Message) -> Result<(), Error> {
    Ok(())
}

async fn failing(_: &mut Context, _: Message) -> Result<(), Error> {
    Err(Error::msg("no"))
}

fn batch(name: &str, invocations: usize) -> Bytes {
    let invocation = Invocation {
        caller: None,
        argument: Some(TypedValue::new("io.statefun.types/string", Vec::new())),
    };
    let request = ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target: Some(Address::new("test", name, "id")),
            state: Vec::new(),
            invocations: vec![invocation; invocations],
        })),
    };
    Bytes::from(request.encode_to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_invocations_latency_and_failures() {
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(FINE, fine))
        .register(FunctionSpec::new(FAILING, failing))
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let service = handler.into_service().body_limit(1024);
    let server = tokio::spawn(
        Server::from_service(service)
            .metrics(ServerMetrics::new())
            .serve(listener),
    );

    let answer = post(&format!("{url}/statefun"), batch("fine", 3)).await;
    assert_eq!(answer.status, 200);
    FromFunction::decode(answer.body).expect("the functions answer as without metrics");
    assert_eq!(
        post(&format!("{url}/statefun"), batch("fine", 1))
            .await
            .status,
        200
    );
    assert_eq!(
        post(&format!("{url}/statefun"), batch("failing", 1))
            .await
            .status,
        500
    );
    assert_eq!(
        post(&format!("{url}/statefun"), batch("unknown", 1))
            .await
            .status,
        503
    );
    let too_large = post(&format!("{url}/statefun"), Bytes::from(vec![0; 2048])).await;
    assert_eq!(too_large.status, 413, "{}", too_large.text());

    let metrics = send(
        http::Request::get(format!("{url}/metrics"))
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .content_type
            .as_deref()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = metrics.text();
    for line in [
        r#"statefun_function_requests_total{status="200"} 2"#,
        r#"statefun_function_requests_total{status="500"} 1"#,
        r#"statefun_function_requests_total{status="413"} 1"#,
        r#"statefun_function_invocations_total{function_type="test/fine"} 4"#,
        r#"statefun_function_request_duration_seconds_count{function_type="test/fine"} 2"#,
        r#"statefun_function_failures_total{function_type="test/failing",kind="function_failed"} 1"#,
        r#"statefun_function_failures_total{function_type="test/unknown",kind="unknown_function"} 1"#,
        r#"statefun_function_failures_total{function_type="unknown",kind="too_large"} 1"#,
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
    server.abort();
}
