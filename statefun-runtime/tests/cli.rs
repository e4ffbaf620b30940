//! The `statefun-runtime` binary: it reports a bad module.yaml, serves the playground
//! interfaces of a good one, and shuts down cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_statefun-runtime");

fn module_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "statefun-runtime-cli-{}-{name}.yaml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_bad_module_is_reported_with_its_document_and_exit_code_2() {
    let path = module_file(
        "bad",
        "kind: io.statefun.endpoints.v2/http\nspec:\n  functions: example/*\n",
    );
    let output = Command::new(BINARY)
        .arg("--module")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(
        log.contains("document 1") && log.contains("`spec.urlPathTemplate` is missing"),
        "{log}"
    );
}

#[cfg(unix)]
#[test]
fn serves_the_playground_egress_and_stops_on_sigterm() {
    let path = module_file(
        "good",
        "kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://127.0.0.1:1/statefun
---
kind: io.statefun.playground.v1/egress
spec:
  port: 0
  topics: [greetings]
",
    );
    let mut child = Command::new(BINARY)
        .args(["--host", "127.0.0.1", "--admin", "127.0.0.1:0", "--module"])
        .arg(&path)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let egress = lines
        .by_ref()
        .map(Result::unwrap)
        .find_map(|line| {
            line.split("playground egress listening on ")
                .nth(1)
                .map(str::to_owned)
        })
        .expect("the egress address is logged");

    let mut stream = TcpStream::connect(egress.trim()).unwrap();
    stream
        .write_all(b"GET /greetings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 404"),
        "an empty topic: {answer}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(child.wait().unwrap().success());
    assert!(
        rest.iter()
            .any(|line| line.contains("SIGTERM: shutting down")),
        "{rest:?}"
    );
}
