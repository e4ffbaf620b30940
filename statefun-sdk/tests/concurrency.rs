//! Requests are independent: one waiting inside a function does not hold up the others.

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, Request};
use statefun_protocol::{Address, ToFunction, TypedValue};
use statefun_sdk::{Context, Error, FunctionSpec, Message, RequestReplyHandler, TypeName};
use tokio::sync::Notify;

static OPENED: Notify = Notify::const_new();

/// Waits until `opener` has run: only possible if both requests are in progress at once.
async fn waiter(_: &mut Context, _: Message) -> Result<(), Error> {
    OPENED.notified().await;
    Ok(())
}

async fn opener(_: &mut Context, _: Message) -> Result<(), Error> {
    OPENED.notify_one();
    Ok(())
}

fn request(function: &str) -> Bytes {
    let request = ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target: Some(Address::new("test", function, "1")),
            state: vec![],
            invocations: vec![Invocation {
                caller: None,
                argument: Some(TypedValue::new("test/Nothing", Bytes::new())),
            }],
        })),
    };
    Bytes::from(request.encode_to_vec())
}

#[tokio::test(flavor = "current_thread")]
async fn a_request_waiting_in_a_function_does_not_block_another() {
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(
            TypeName::from_static("test/waiter"),
            waiter,
        ))
        .register(FunctionSpec::new(
            TypeName::from_static("test/opener"),
            opener,
        ))
        .build()
        .unwrap();
    let waiting = tokio::spawn({
        let handler = handler.clone();
        async move { handler.handle(request("waiter")).await }
    });
    tokio::task::yield_now().await;
    assert!(
        !waiting.is_finished(),
        "the waiter is suspended in its function"
    );
    handler.handle(request("opener")).await.unwrap();
    waiting.await.unwrap().unwrap();
}
