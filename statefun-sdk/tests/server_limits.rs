//! The built-in server bounds what a client can hold: the time to send a head and a body,
//! the number of connections, and the time a shutdown waits for requests in flight.
#![cfg(feature = "server")]

use std::net::SocketAddr;
use std::time::Duration;

use prost::Message as _;
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, Request};
use statefun_protocol::{Address, ToFunction, TypedValue};
use statefun_sdk::http::server::Server;
use statefun_sdk::{Context, Error, FunctionSpec, Message, RequestReplyHandler, TypeName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Generous: the machine may be loaded.
const DEADLINE: Duration = Duration::from_secs(60);

fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder().build().unwrap()
}

struct Running {
    address: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start(server: Server) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.serve_with_shutdown(listener, async {
        let _ = stopped.await;
    }));
    Running {
        address,
        stop,
        task,
    }
}

/// Everything the server sends until it closes the connection.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(DEADLINE, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .expect("the server closes the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

/// The head of one answer (the server keeps the connection open after it).
async fn read_head(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(DEADLINE, async {
        let mut buffer = [0u8; 4096];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "closed before an answer");
            answer.extend_from_slice(&buffer[..n]);
        }
    })
    .await
    .expect("an answer");
    String::from_utf8_lossy(&answer).into_owned()
}

const GET: &[u8] = b"GET /statefun HTTP/1.1\r\nhost: x\r\n\r\n";

#[tokio::test]
async fn a_head_sent_too_slowly_closes_the_connection() {
    let running =
        start(Server::new(handler()).header_read_timeout(Duration::from_millis(200))).await;
    let mut stream = TcpStream::connect(running.address).await.unwrap();
    stream
        .write_all(b"POST /statefun HTTP/1.1\r\nho")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.is_empty(), "closed without an answer: {answer}");
    let _ = running.stop.send(());
    running.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn each_head_of_a_kept_alive_connection_gets_the_whole_timeout() {
    // A head is timed from when the connection starts waiting for it: on a new
    // connection, at once; on a kept-alive one, after the answer before it. The first head
    // here comes late, so the second head's deadline is later than the first's.
    let timeout = Duration::from_secs(3);
    let running = start(Server::new(handler()).header_read_timeout(timeout)).await;
    let mut stream = TcpStream::connect(running.address).await.unwrap();
    tokio::time::sleep(timeout / 2).await;
    let first_sent = std::time::Instant::now();
    stream.write_all(GET).await.unwrap();
    assert!(read_head(&mut stream).await.starts_with("HTTP/1.1 405"));
    stream
        .write_all(b"POST /statefun HTTP/1.1\r\nho")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    // The second head's wait began after the first was answered: closing before `timeout`
    // had passed since then would be the first head's deadline. Load only makes it later.
    assert!(
        first_sent.elapsed() >= timeout,
        "closed {:?} after the first head was sent, before the second head's timeout of {timeout:?}",
        first_sent.elapsed()
    );
    assert!(answer.is_empty(), "closed without an answer: {answer}");
    let _ = running.stop.send(());
    running.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_and_the_connection_closes() {
    let running = start(Server::new(handler()).body_read_timeout(Duration::from_millis(200))).await;
    let mut stream = TcpStream::connect(running.address).await.unwrap();
    stream
        .write_all(b"POST /statefun HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n\x0a")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("the request body did not arrive within 200ms"),
        "{answer}"
    );
    let _ = running.stop.send(());
    running.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn past_the_connection_limit_a_client_waits_for_a_free_slot() {
    let running = start(Server::new(handler()).max_connections(1)).await;
    let mut first = TcpStream::connect(running.address).await.unwrap();
    first.write_all(GET).await.unwrap();
    assert!(read_head(&mut first).await.starts_with("HTTP/1.1 405"));

    let mut second = TcpStream::connect(running.address).await.unwrap();
    second.write_all(GET).await.unwrap();
    let mut byte = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), second.read(&mut byte))
            .await
            .is_err(),
        "the second connection is not served while the first is open"
    );
    drop(first);
    assert!(read_head(&mut second).await.starts_with("HTTP/1.1 405"));
    let _ = running.stop.send(());
    running.task.await.unwrap().unwrap();
}

/// A function that signals it started, then never finishes.
async fn hang(_: &mut Context, _: Message) -> Result<(), Error> {
    STARTED.notify_one();
    std::future::pending().await
}

static STARTED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// A function that takes four times the head timeout of the test below to answer.
async fn slow(_: &mut Context, _: Message) -> Result<(), Error> {
    tokio::time::sleep(SLOW_HEAD_TIMEOUT * 4).await;
    Ok(())
}

const SLOW_HEAD_TIMEOUT: Duration = Duration::from_millis(200);

/// A request of one invocation for `ex/<function>/x`, with its head.
fn post(function: &str) -> Vec<u8> {
    let body = invocation(function);
    let mut request = format!(
        "POST /statefun HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request
}

#[tokio::test]
async fn a_function_slower_than_the_head_timeout_is_answered() {
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(TypeName::from_static("ex/slow"), slow))
        .build()
        .unwrap();
    let running = start(Server::new(handler).header_read_timeout(SLOW_HEAD_TIMEOUT)).await;
    let mut stream = TcpStream::connect(running.address).await.unwrap();
    // Twice on one connection: the wait for the second head starts after the first answer.
    for _ in 0..2 {
        stream.write_all(&post("slow")).await.unwrap();
        let head = read_head(&mut stream).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    }
    let _ = running.stop.send(());
    running.task.await.unwrap().unwrap();
}

fn invocation(function: &str) -> Vec<u8> {
    ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target: Some(Address::new("ex", function, "x")),
            state: vec![],
            invocations: vec![Invocation {
                caller: None,
                argument: Some(TypedValue::new("io.statefun.types/string", vec![])),
            }],
        })),
    }
    .encode_to_vec()
}

#[tokio::test]
async fn shutdown_gives_up_on_a_request_that_never_finishes() {
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(TypeName::from_static("ex/hang"), hang))
        .build()
        .unwrap();
    let running = start(Server::new(handler).shutdown_timeout(Duration::from_millis(200))).await;
    let mut stream = TcpStream::connect(running.address).await.unwrap();
    stream.write_all(&post("hang")).await.unwrap();
    tokio::time::timeout(DEADLINE, STARTED.notified())
        .await
        .expect("the function starts");
    let _ = running.stop.send(());
    tokio::time::timeout(DEADLINE, running.task)
        .await
        .expect("the drain ends at the shutdown timeout")
        .unwrap()
        .unwrap();
}
