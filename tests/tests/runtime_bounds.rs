//! What the runtime reports when a function's server refuses a batch as too large, and
//! when it cannot connect: the cause, as the function or the socket said it, and where.

#[path = "support/http_client.rs"]
#[allow(dead_code)]
mod http_client;

use std::time::Duration;

use http_client::TestServer;
use statefun_runtime::protocol::{Address, TypedValue};
use statefun_runtime::transport::{HttpTransport, HttpTransportConfig, UrlTemplate};
use statefun_runtime::{Endpoint, Runtime};
use statefun_sdk::{Context, Error, FunctionSpec, Message, RequestReplyHandler, TypeName};

async fn accept(_: &mut Context, _: Message) -> Result<(), Error> {
    Ok(())
}

fn runtime_calling(url: &str) -> Runtime {
    let transport = HttpTransport::new(
        UrlTemplate::new(url).unwrap(),
        HttpTransportConfig::default(),
    )
    .unwrap();
    Runtime::builder()
        .endpoint(
            "example/*".parse().unwrap(),
            Endpoint::new(transport).call_budget(Duration::from_secs(1)),
        )
        .build()
}

#[tokio::test]
async fn a_batch_the_function_refuses_as_too_large_is_reported_as_such() {
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(
            TypeName::from_static("example/sink"),
            accept,
        ))
        .build()
        .unwrap();
    let server = TestServer::start(handler.into_service().body_limit(64)).await;
    let runtime = runtime_calling(&format!("http://{}/statefun", server.address));
    let target = Address::new("example", "sink", "x");
    runtime
        .send(target, TypedValue::new("example/Blob", vec![7u8; 200]))
        .await
        .unwrap();
    let failure = runtime.run_until_quiescent().await.unwrap_err();
    let cause = failure.transport_error().expect("a transport failure");
    assert_eq!(
        cause.http_status(),
        Some(http::StatusCode::PAYLOAD_TOO_LARGE)
    );
    let message = format!("{failure}: {cause}");
    assert!(
        message.contains("refused the batch as too large (HTTP 413)")
            && message.contains("exceeds the limit of 64 bytes")
            && message.contains("payload_max_bytes"),
        "{message}"
    );
}

#[tokio::test]
async fn a_connection_failure_names_the_url_tried() {
    // Port 1 on loopback: nothing listens there.
    let runtime = runtime_calling("http://127.0.0.1:1/fn/{function.name}");
    runtime
        .send(
            Address::new("example", "greeter", "bob"),
            TypedValue::new("io.statefun.types/string", Vec::new()),
        )
        .await
        .unwrap();
    let failure = runtime.run_until_quiescent().await.unwrap_err();
    let cause = failure.transport_error().expect("a transport failure");
    assert!(
        cause
            .to_string()
            .starts_with("cannot connect to http://127.0.0.1:1/fn/greeter: "),
        "{cause}"
    );
}
