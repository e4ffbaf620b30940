//! The handler reports each request and invocation as `tracing` spans, for whoever
//! installs a subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, Request};
use statefun_protocol::{Address, ToFunction, TypedValue};
use statefun_sdk::{Context, Error, FunctionSpec, Message, RequestReplyHandler, TypeName};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn shout(_: &mut Context, message: Message) -> Result<(), Error> {
    if message.as_string()? == "fail" {
        return Err(Error::msg("no shouting"));
    }
    tracing::info!("shouted");
    Ok(())
}

fn request(arguments: &[&str]) -> Bytes {
    let invocations = arguments
        .iter()
        .map(|text| {
            let mut value = vec![0x0A, text.len() as u8];
            value.extend_from_slice(text.as_bytes());
            Invocation {
                caller: Some(Address::new("ex", "caller", "c1")),
                argument: Some(TypedValue::new("io.statefun.types/string", value)),
            }
        })
        .collect();
    let request = ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target: Some(Address::new("ex", "shout", "id-7")),
            state: vec![],
            invocations,
        })),
    };
    Bytes::from(request.encode_to_vec())
}

#[test]
fn requests_and_invocations_are_spans_with_their_outcome() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(TypeName::from_static("ex/shout"), shout))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            handler.handle(request(&["a", "b"])).await.unwrap();
            handler.handle(request(&["fail"])).await.unwrap_err();
        })
    });

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let request_closes: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("statefun_sdk::handler: close"))
        .collect();
    assert_eq!(request_closes.len(), 2, "{log}");
    let first = request_closes[0];
    assert!(
        first.contains("function=ex/shout")
            && first.contains("id=\"id-7\"")
            && first.contains("batch_size=2"),
        "{first}"
    );
    assert!(request_closes[0].contains("outcome=\"ok\""), "{log}");
    assert!(request_closes[1].contains("outcome=\"error\""), "{log}");
    assert!(
        request_closes
            .iter()
            .all(|close| close.contains("latency_us=")),
        "each request span records its latency: {log}"
    );
    let shouted_in_invocations = log
        .lines()
        .filter(|l| l.contains("statefun.invocation{") && l.contains("shouted"))
        .count();
    assert_eq!(
        shouted_in_invocations, 2,
        "user events sit inside the invocation span: {log}"
    );
    assert!(log.contains("caller=ex/caller/c1"), "{log}");
    assert!(log.contains("no shouting"), "the failure is logged: {log}");
}

#[cfg(feature = "server")]
#[test]
fn the_server_logs_where_it_listens() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(TypeName::from_static("ex/shout"), shout))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let address = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            // Shut down at once: only the start is of interest.
            statefun_sdk::http::server::Server::new(handler)
                .serve_with_shutdown(listener, std::future::ready(()))
                .await
                .unwrap();
            address
        })
    });
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains(&format!("serving StateFun functions address={address}")),
        "{log}"
    );
}
