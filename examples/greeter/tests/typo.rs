//! The quickstart survives the typo of issue #8 (`PUT localhost:8090/example/nobody/Bob`,
//! a type `example/*` does not serve): the address is parked and logged by name, Bob is
//! greeted, and the greeter keeps running. `--call-budget` keeps the test short.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Generous: the machine may be loaded.
const DEADLINE: Duration = Duration::from_secs(60);

/// The greeter process, killed if the test fails.
struct Greeter(Child);

impl Drop for Greeter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request; the status and body.
fn request(address: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.example/GreetRequest\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).unwrap().parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, body)| body.to_owned());
    (status, body)
}

/// Waits for the next log line containing `marker`.
fn wait_for_line(log: &mpsc::Receiver<String>, marker: &str) -> String {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = log
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no line with `{marker}` within {DEADLINE:?}"));
        if line.contains(marker) {
            return line;
        }
    }
}

/// Reads `greetings` until it gives `expected`.
fn wait_for_greeting(egress: SocketAddr, expected: &str) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        match request(egress, "GET", "/greetings", "") {
            (200, greeting) => {
                assert_eq!(greeting, expected);
                return;
            }
            (404, _) => {}
            other => panic!("GET /greetings: {other:?}"),
        }
        assert!(Instant::now() < deadline, "no greeting within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_typo_in_the_quickstart_parks_that_address_and_bob_is_still_greeted() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_greeter"))
        .args(["--port", "0", "--ingress-port", "0", "--egress-port", "0"])
        .args(["--no-admin", "--call-budget", "2s"])
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the greeter starts");
    let stdout = child.stdout.take().unwrap();
    let mut greeter = Greeter(child);
    let (lines, log) = mpsc::channel();
    // Read all along: a full pipe would stop the greeter.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let ports = wait_for_line(&log, "playground ingress on ");
    let (ingress, egress) = ports
        .strip_prefix("playground ingress on ")
        .and_then(|rest| rest.split_once(", egress on "))
        .unwrap_or_else(|| panic!("the addresses: {ports}"));
    let ingress: SocketAddr = ingress.parse().unwrap();
    let egress: SocketAddr = egress.trim().parse().unwrap();

    let bob = r#"{"name": "Bob"}"#;
    assert_eq!(request(ingress, "PUT", "/example/nobody/Bob", bob).0, 200);
    assert_eq!(request(ingress, "PUT", "/example/person/Bob", bob).0, 200);
    wait_for_greeting(egress, "Welcome Bob");

    let parked = wait_for_line(&log, "parked example/nobody/Bob");
    assert!(
        parked.contains("/api/parked/example/nobody/Bob/skip"),
        "says how to resume: {parked}"
    );
    assert!(
        greeter.0.try_wait().unwrap().is_none(),
        "the greeter keeps running"
    );
    // And serves on.
    assert_eq!(request(ingress, "PUT", "/example/person/Bob", bob).0, 200);
    wait_for_greeting(egress, "Nice to see you again Bob");

    let stopped = Command::new("kill")
        .args(["-TERM", &greeter.0.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = greeter.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}
