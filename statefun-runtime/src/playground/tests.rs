//! The playground servers over real TCP: what a bad or slow client gets, and that the
//! runtime is left as it was.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use statefun_protocol::{Address, TypedValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::egress::PlaygroundEgress;
use super::{Limits, MessageLimits, egress_service, ingress_service, serve};
use crate::egress::EgressSink;
use crate::raw_http::{exchange, read_to_close, request};
use crate::{Endpoint, Runtime};

/// A runtime whose `example/*` functions answer every batch with no effect.
fn runtime() -> Runtime {
    let function = tower::service_fn(|_request: http::Request<Full<Bytes>>| async {
        http::Response::builder()
            .header("content-type", "application/octet-stream")
            .body(Full::new(Bytes::new()))
    });
    Runtime::builder()
        .endpoint("example/*".parse().unwrap(), Endpoint::service(function))
        .record_deliveries(true)
        .build()
}

struct Served {
    address: SocketAddr,
    _stop: watch::Sender<bool>,
}

async fn ingress(runtime: &Runtime, message_limit: usize, limits: Limits) -> Served {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = watch::channel(false);
    let messages = MessageLimits::new([("example/*".parse().unwrap(), message_limit)]);
    tokio::spawn(serve(
        listener,
        ingress_service(runtime.clone(), messages, limits),
        stopped,
        limits,
    ));
    Served {
        address,
        _stop: stop,
    }
}

fn put(path: &str, body: &str) -> Vec<u8> {
    request("PUT", path, body)
}

#[tokio::test]
async fn ingress_refuses_names_that_cannot_be_url_segments_and_the_runtime_lives_on() {
    let runtime = runtime();
    let served = ingress(&runtime, 1 << 20, Limits::default()).await;
    for (path, named) in [
        ("/t/a%20b/x", "' '"),
        ("/t/..%2F..%2Fadmin%2Fdrop/x", "'/'"),
        ("/t/x%3Fdebug=1%23/x", "'?'"),
        ("/example/%2E%2E/x", "relative path segment"),
    ] {
        let answer = exchange(served.address, &put(path, "1")).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer}");
        assert!(answer.contains(named), "{path}: {answer}");
    }
    let answer = exchange(served.address, &put("/example/greeter/Bob%20Smith", "1")).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    runtime.run_until_quiescent().await.unwrap();
    assert!(runtime.failure().is_none());
    assert_eq!(runtime.delivered().len(), 1);
    assert_eq!(
        runtime.delivered()[0].target,
        Address::new("example", "greeter", "Bob Smith")
    );
}

#[tokio::test]
async fn ingress_answers_413_for_a_message_over_its_endpoints_limit() {
    let runtime = runtime();
    let served = ingress(&runtime, 1000, Limits::default()).await;
    let big = "x".repeat(2000);
    let answer = exchange(served.address, &put("/example/greeter/bob", &big)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("1000 bytes") && answer.contains("payload_max_bytes"),
        "{answer}"
    );
    // Chunked, so no Content-Length to refuse early: the limit still holds.
    let chunked = format!(
        "PUT /example/greeter/bob HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    let answer = exchange(served.address, chunked.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // Under the limit by the body, over it with the envelope of a batch of one.
    let answer = exchange(
        served.address,
        &put("/example/greeter/bob", &"x".repeat(990)),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let answer = exchange(served.address, &put("/example/greeter/bob", "small")).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    runtime.run_until_quiescent().await.unwrap();
    assert_eq!(
        runtime.delivered().len(),
        1,
        "only the small message went in"
    );
}

#[tokio::test]
async fn ingress_answers_408_for_a_body_that_stops_arriving() {
    let runtime = runtime();
    let limits = Limits {
        body_read_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let served = ingress(&runtime, 1 << 20, limits).await;
    let answer = exchange(
        served.address,
        b"PUT /example/greeter/bob HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n1",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(
        runtime.backlog(&Address::new("example", "greeter", "bob")),
        0
    );
    assert!(runtime.delivered().is_empty());
}

#[tokio::test]
async fn a_head_sent_too_slowly_closes_the_connection() {
    let runtime = runtime();
    let limits = Limits {
        header_read_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let served = ingress(&runtime, 1 << 20, limits).await;
    let answer = exchange(served.address, b"PUT /example/greeter/bob HTTP/1.1\r\nho").await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[tokio::test]
async fn past_the_connection_limit_a_client_waits_for_a_free_slot() {
    let runtime = runtime();
    let limits = Limits {
        max_connections: 1,
        ..Limits::default()
    };
    let served = ingress(&runtime, 1 << 20, limits).await;
    // The first connection holds the only slot with a request it never finishes.
    let mut first = TcpStream::connect(served.address).await.unwrap();
    first.write_all(b"PUT /example/gre").await.unwrap();
    let mut second = TcpStream::connect(served.address).await.unwrap();
    second
        .write_all(&put("/example/greeter/bob", "1"))
        .await
        .unwrap();
    let mut byte = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), second.read(&mut byte))
            .await
            .is_err(),
        "the second connection is not served while the first holds the slot"
    );
    drop(first);
    let answer = read_to_close(&mut second).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn head_on_a_topic_leaves_the_message_unread() {
    let egress = PlaygroundEgress::new(["greetings".to_owned()]);
    let record = TypedValue::new(
        super::EGRESS_RECORD_TYPENAME,
        &br#"{"topic":"greetings","payload":"Hi"}"#[..],
    );
    egress.accept(record);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (_stop, stopped) = watch::channel(false);
    tokio::spawn(serve(
        listener,
        egress_service(egress),
        stopped,
        Limits::default(),
    ));
    let get = |method: &str| {
        format!("{method} /greetings HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
    };
    for _ in 0..2 {
        let answer = exchange(address, get("HEAD").as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(!answer.ends_with("Hi"), "no body for HEAD: {answer}");
    }
    let answer = exchange(address, get("GET").as_bytes()).await;
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("Hi"),
        "{answer}"
    );
    let answer = exchange(address, get("HEAD").as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
}
