//! The binary's ingress for a parked address whose backlog is at its limit: 503 with
//! `Retry-After` and a message naming the address and why, and nothing acknowledged lost.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::runtime::{DEADLINE, RuntimeProcess, request, temp_dir};

/// Nothing listens on port 1: every call fails at once, and the 1 s budget runs out.
const MODULE: &str = "kind: io.statefun.endpoints.v2/http
spec:
  functions: t/*
  urlPathTemplate: http://127.0.0.1:1/statefun
  transport:
    call: 1s
---
kind: io.statefun.playground.v1/ingress
spec:
  port: 0
---
kind: io.statefun.playground.v1/egress
spec:
  port: 0
  topics: [unused]
";

/// `PUT /t/f/bad` with `body`; the whole answer, head and body.
fn put(ingress: SocketAddr, body: &str) -> String {
    let mut stream = TcpStream::connect(ingress).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        stream,
        "PUT /t/f/bad HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.t/text\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

fn parked_messages(runtime: &RuntimeProcess) -> Option<u64> {
    let (status, body) = request(runtime.admin, "GET", "/api/parked", "text/plain", b"").unwrap();
    assert_eq!(status, 200);
    let report: serde_json::Value = serde_json::from_slice(&body).unwrap();
    report["parked"][0]["messages"].as_u64()
}

#[test]
fn ingress_to_a_parked_address_at_its_limit_gets_503_with_retry_after() {
    let dir = temp_dir("parked-limit");
    let module = dir.join("module.yaml");
    std::fs::write(&module, MODULE).unwrap();
    let flags = ["--parked-retry", "1h", "--parked-backlog-messages", "2"];
    let runtime = RuntimeProcess::start(&module, &dir.join("state"), &flags);
    assert!(put(runtime.ingress, "m0").starts_with("HTTP/1.1 200"));
    let deadline = Instant::now() + DEADLINE;
    while parked_messages(&runtime).is_none() {
        assert!(Instant::now() < deadline, "not parked within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(put(runtime.ingress, "m1").starts_with("HTTP/1.1 200"));

    let answer = put(runtime.ingress, "m2");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    let retry_after: u64 = answer
        .lines()
        .find_map(|line| line.strip_prefix("retry-after: "))
        .unwrap_or_else(|| panic!("no Retry-After: {answer}"))
        .trim()
        .parse()
        .unwrap();
    assert!((3000..=3600).contains(&retry_after), "{retry_after}");
    for part in ["t/f/bad is parked since", "2 message(s)", "127.0.0.1:1"] {
        assert!(answer.contains(part), "`{part}` in: {answer}");
    }
    assert_eq!(
        parked_messages(&runtime),
        Some(2),
        "nothing acknowledged was dropped"
    );

    // A restart keeps both acknowledged messages, and the limit.
    runtime.kill();
    let runtime = RuntimeProcess::start(&module, &dir.join("state"), &flags);
    let deadline = Instant::now() + DEADLINE;
    while parked_messages(&runtime) != Some(2) {
        assert!(
            Instant::now() < deadline,
            "not parked again within {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(put(runtime.ingress, "m2").starts_with("HTTP/1.1 503"));
    runtime.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
