//! The client against scripted servers: framings, checks, errors and connection reuse.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::{Client, Settings};
use crate::transport::TransportErrorKind;
use crate::transport::tls::{TlsFiles, client_config};
use crate::transport::url::UrlTemplate;

/// Reads one request (head and `content-length` body) and returns it.
async fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&request[..end]).unwrap();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .unwrap()
                .parse()
                .unwrap();
            if request.len() >= end + 4 + length {
                return Some(request);
            }
        }
        match stream.read(&mut chunk).await.unwrap() {
            0 => return None,
            n => request.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The requests a server got, with the number of the connection each came on.
type Requests = Arc<std::sync::Mutex<Vec<(usize, Vec<u8>)>>>;

/// A server answering each connection's requests with `answers` in turn, then closing it.
/// Returns its URL, the requests it got, and its task.
async fn serve(answers: Vec<&'static [u8]>) -> (String, Requests, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let requests = Requests::default();
    let recorded = Arc::clone(&requests);
    let task = tokio::spawn(async move {
        for connection in 0.. {
            let (mut stream, _) = listener.accept().await.unwrap();
            let answers = answers.clone();
            let recorded = Arc::clone(&recorded);
            tokio::spawn(async move {
                for answer in answers {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    recorded.lock().unwrap().push((connection, request));
                    stream.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (format!("http://{address}/statefun"), requests, task)
}

fn client(url: &str, payload_max_bytes: usize) -> Arc<Client> {
    Arc::new(Client::new(Settings {
        template: UrlTemplate::new(url).unwrap(),
        tls: client_config(&TlsFiles::default()).unwrap(),
        connect_timeout: Duration::from_secs(20),
        pool_ttl: Duration::from_secs(15),
        pool_size: 8,
        payload_max_bytes,
    }))
}

const OK: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 3\r\n\r\nabc";

#[tokio::test]
async fn the_request_is_a_post_with_statefuns_headers_and_the_body() {
    let (url, requests, _server) = serve(vec![OK]).await;
    let body = client(&url, 1024)
        .exchange(b"greeter", b"\x01\x02")
        .await
        .unwrap();
    assert_eq!(body.as_ref(), b"abc");
    let port = url.split(':').nth(2).unwrap().split('/').next().unwrap();
    let expected = format!(
        "POST /statefun HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/octet-stream\r\naccept: application/octet-stream\r\nuser-agent: statefun\r\ncontent-length: 2\r\n\r\n\x01\x02"
    );
    assert_eq!(requests.lock().unwrap()[0].1, expected.as_bytes());
}

#[tokio::test]
async fn a_keep_alive_connection_is_reused_and_a_closed_one_is_not() {
    // Two answers per connection: the second call reuses the first connection, the
    // third finds it closed by the server and opens another.
    let (url, requests, _server) = serve(vec![OK, OK]).await;
    let client = client(&url, 1024);
    for _ in 0..2 {
        client.exchange(b"f", b"").await.unwrap();
    }
    let pool = Arc::clone(&client.target(b"f").unwrap().pool);
    // Wait for the reactor to see the server close the idle connection.
    while pool
        .lock()
        .connections
        .last()
        .is_some_and(|(connection, _)| connection.is_usable_idle())
    {
        tokio::task::yield_now().await;
    }
    client.exchange(b"f", b"").await.unwrap();
    let connections: Vec<usize> = requests.lock().unwrap().iter().map(|(c, _)| *c).collect();
    assert_eq!(connections, [0, 0, 1]);
}

#[tokio::test]
async fn chunked_close_delimited_and_informational_answers_are_read() {
    let chunked: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n2;ext=1\r\nab\r\n1\r\nc\r\n0\r\nx-trailer: y\r\n\r\n";
    let until_close: &[u8] =
        b"HTTP/1.0 200 OK\r\ncontent-type: application/octet-stream\r\n\r\nabc";
    let informational: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 3\r\n\r\nabc";
    for answer in [chunked, until_close, informational] {
        let (url, _, _server) = serve(vec![answer]).await;
        let body = client(&url, 1024).exchange(b"f", b"").await.unwrap();
        assert_eq!(body.as_ref(), b"abc", "{}", String::from_utf8_lossy(answer));
    }
}

#[tokio::test]
async fn bad_answers_fail_with_their_kind() {
    let cases: [(&[u8], TransportErrorKind, &str); 6] = [
        (
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 11\r\n\r\n overloaded",
            TransportErrorKind::Status,
            "503 Service Unavailable: overloaded",
        ),
        (
            b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\n\r\nabc",
            TransportErrorKind::ContentType,
            "content type `text/plain`",
        ),
        (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 5000\r\n\r\n",
            TransportErrorKind::Body,
            "larger than 1024 bytes",
        ),
        (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n800\r\n",
            TransportErrorKind::Body,
            "larger than 1024 bytes",
        ),
        (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 5\r\n\r\nab",
            TransportErrorKind::Body,
            "closed before the response was complete",
        ),
        (b"nonsense\r\n\r\n", TransportErrorKind::Request, "invalid response head"),
    ];
    for (answer, kind, message) in cases {
        let (url, _, _server) = serve(vec![answer]).await;
        let error = client(&url, 1024).exchange(b"f", b"").await.unwrap_err();
        assert_eq!(error.kind(), kind, "{error}");
        assert!(error.to_string().contains(message), "{error}");
    }
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_a_request_failure() {
    let (url, _, _server) = serve(vec![]).await;
    let error = client(&url, 1024).exchange(b"f", b"").await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Request, "{error}");
}

#[tokio::test]
async fn large_requests_and_answers_go_through_whole() {
    static LARGE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let body = LARGE.get_or_init(|| {
        let payload = vec![7u8; 300_000];
        let mut answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {}\r\n\r\n",
            payload.len()
        )
        .into_bytes();
        answer.extend_from_slice(&payload);
        answer
    });
    let (url, requests, _server) = serve(vec![body.as_slice(), body.as_slice()]).await;
    let client = client(&url, 1 << 20);
    let request = vec![9u8; 200_000];
    for _ in 0..2 {
        let answer = client.exchange(b"f", &request).await.unwrap();
        assert_eq!(answer.len(), 300_000);
        assert!(answer.iter().all(|&b| b == 7));
    }
    let requests = requests.lock().unwrap();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|(connection, request)| *connection == 0
        && request.ends_with(&[9u8; 1000])
        && request.len() > 200_000));
}

#[tokio::test]
async fn chunked_answers_hyper_refuses_are_body_failures_naming_the_problem() {
    const HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n";
    let cases: [(&str, &str); 5] = [
        ("\r\n\r\n", "a chunk size line without a size digit"),
        (
            "1 2\r\nab\r\n0\r\n\r\n",
            "an invalid byte in a chunk size line",
        ),
        ("1;a\nb\r\nz\r\n0\r\n\r\n", "a newline in a chunk extension"),
        ("1\r\nzz\r\n0\r\n\r\n", "chunk data not ended by CRLF"),
        (
            "3\r\nabc\r\n0\r\nnot a field\r\n\r\n",
            "invalid trailer fields",
        ),
    ];
    for (body, message) in cases {
        let answer: &'static [u8] = format!("{HEAD}{body}").leak().as_bytes();
        let (url, _, _server) = serve(vec![answer]).await;
        let error = client(&url, 1024).exchange(b"f", b"").await.unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Body, "{error}");
        assert!(error.to_string().contains(message), "{body:?}: {error}");
    }
}

#[tokio::test]
async fn a_head_over_64_kib_is_refused() {
    let mut answer = b"HTTP/1.1 200 OK\r\n".to_vec();
    // Few headers (hyper's client takes 100), each long.
    let padding = format!("x-padding: {}\r\n", "p".repeat(4096));
    while answer.len() <= 64 * 1024 {
        answer.extend_from_slice(padding.as_bytes());
    }
    let answer: &'static [u8] = answer.leak();
    let (url, _, _server) = serve(vec![answer]).await;
    let error = client(&url, 1024).exchange(b"f", b"").await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Request, "{error}");
    assert!(
        error.to_string().contains("the response head is too long"),
        "{error}"
    );
}
