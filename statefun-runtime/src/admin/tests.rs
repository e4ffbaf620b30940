//! The admin send's own bounds over real TCP: what a large, slow or untimely sender gets,
//! and that nothing was sent. The head timeout and the connection limit are the playground
//! servers' loop's, tested with it.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use statefun_protocol::{Address, TypedValue};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::send::{MAX_BODY, SendLimits};
use super::{router_with, server};
use crate::playground::Limits;
use crate::raw_http::{DEADLINE, exchange, read_to_close, request};
use crate::{Endpoint, Runtime};

/// A runtime whose `example/*` functions answer every batch with no effect, one batch in
/// flight and at most `max_backlog` waiting per address before ingestion waits.
fn runtime(max_backlog: usize) -> Runtime {
    let function = tower::service_fn(|_request: http::Request<Full<Bytes>>| async {
        http::Response::builder()
            .header("content-type", "application/octet-stream")
            .body(Full::new(Bytes::new()))
    });
    let endpoint = Endpoint::service(function).max_num_batch_requests(max_backlog);
    Runtime::builder()
        .endpoint("example/*".parse().unwrap(), endpoint)
        .record_deliveries(true)
        .build()
}

/// A runtime whose `example/*` function never answers: its first batch stays in flight.
fn stuck_runtime(max_backlog: usize) -> Runtime {
    let function = tower::service_fn(|_request: http::Request<Full<Bytes>>| {
        std::future::pending::<Result<http::Response<Full<Bytes>>, http::Error>>()
    });
    let endpoint = Endpoint::service(function).max_num_batch_requests(max_backlog);
    Runtime::builder()
        .endpoint("example/*".parse().unwrap(), endpoint)
        .build()
}

struct Served {
    address: SocketAddr,
    _stop: watch::Sender<bool>,
}

async fn serve(runtime: &Runtime, send: SendLimits, limits: Limits) -> Served {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = watch::channel(false);
    let router = router_with(runtime.clone(), None, send);
    tokio::spawn(server::serve(listener, router, stopped, limits));
    Served {
        address,
        _stop: stop,
    }
}

fn send_request(path: &str, body: &str) -> Vec<u8> {
    request("POST", path, body)
}

const BOB: &str = "/api/send/example/greeter/bob";

fn bob() -> Address {
    Address::new("example", "greeter", "bob")
}

#[tokio::test]
async fn a_send_body_over_the_limit_gets_413_naming_it() {
    let runtime = runtime(0);
    let served = serve(&runtime, SendLimits::default(), Limits::default()).await;
    // By Content-Length: refused once the limit is read.
    let mut request = format!(
        "POST {BOB} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        MAX_BODY + 1
    )
    .into_bytes();
    request.resize(request.len() + MAX_BODY + 1, b'x');
    let answer = exchange(served.address, &request).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains(&format!("at most {MAX_BODY} bytes")),
        "{answer}"
    );
    // Chunked: refused once the limit is passed.
    let mut stream = TcpStream::connect(served.address).await.unwrap();
    let head = format!(
        "POST {BOB} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Exactly one byte over, and no more: what the server does not read could reset the
    // connection before the answer is read.
    let chunk = vec![b'x'; MAX_BODY / 4];
    for chunk in [&chunk[..], &chunk, &chunk, &chunk, b"x"] {
        let size = format!("{:x}\r\n", chunk.len());
        stream.write_all(size.as_bytes()).await.unwrap();
        stream.write_all(chunk).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    runtime.run_until_quiescent().await.unwrap();
    assert!(runtime.delivered().is_empty(), "nothing was sent");

    let answer = exchange(served.address, &send_request(BOB, "small")).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the server goes on: {answer}"
    );
}

#[tokio::test]
async fn a_send_body_that_stops_arriving_gets_408() {
    let runtime = runtime(0);
    let send = SendLimits {
        body_read_timeout: Duration::from_millis(200),
        ..SendLimits::default()
    };
    let served = serve(&runtime, send, Limits::default()).await;
    let answer = exchange(
        served.address,
        format!("POST {BOB} HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n1").as_bytes(),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive within 200ms"), "{answer}");
    runtime.run_until_quiescent().await.unwrap();
    assert!(runtime.delivered().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_send_while_back_pressure_lasts_gets_503_and_sends_nothing() {
    // One batch in flight that is never answered, one message waiting: the backlog is at
    // its limit of 1, so ingestion waits.
    let runtime = stuck_runtime(1);
    for text in ["one", "two"] {
        tokio::time::timeout(
            DEADLINE,
            runtime.send(bob(), TypedValue::new("t/text", text.as_bytes().to_vec())),
        )
        .await
        .expect("not back-pressured yet")
        .unwrap();
    }
    assert_eq!(runtime.backlog(&bob()), 1);
    let send = SendLimits {
        send_timeout: Duration::from_millis(300),
        ..SendLimits::default()
    };
    let served = serve(&runtime, send, Limits::default()).await;
    let answer = exchange(served.address, &send_request(BOB, "three")).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("not sent: the runtime stayed back-pressured for 300ms"),
        "{answer}"
    );
    assert_eq!(runtime.backlog(&bob()), 1, "nothing was sent");
}

#[tokio::test(start_paused = true)]
async fn a_send_to_a_parked_address_at_its_backlog_limit_gets_503_with_retry_after() {
    use tower::ServiceExt as _;

    let failing = tower::service_fn(|_request: http::Request<Full<Bytes>>| async {
        http::Response::builder()
            .status(500)
            .body(Full::new(Bytes::new()))
    });
    let first_retry = Duration::from_secs(60);
    let runtime = Runtime::builder()
        .endpoint("example/*".parse().unwrap(), Endpoint::service(failing))
        .on_failure(crate::FailurePolicy::Park {
            first_retry,
            max_retry: Duration::from_secs(600),
        })
        .parked_backlog_limit(crate::ParkedBacklogLimit::DEFAULT.messages(1))
        .build();
    runtime
        .send(bob(), TypedValue::new("t/text", b"one".to_vec()))
        .await
        .unwrap();
    runtime.run_until_quiescent().await.unwrap();
    assert_eq!(runtime.parked().len(), 1, "bob is parked");

    let request = http::Request::post(BOB)
        .header("content-type", "application/vnd.t/text")
        .body(axum::body::Body::from("two"))
        .unwrap();
    let response = router_with(runtime.clone(), None, SendLimits::default())
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), http::StatusCode::SERVICE_UNAVAILABLE);
    let retry_after: u64 = response.headers()[http::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=first_retry.as_secs()).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(
        body.contains("example/greeter/bob is parked since"),
        "{body}"
    );
    assert_eq!(runtime.parked()[0].messages, 1, "nothing was queued");
}
