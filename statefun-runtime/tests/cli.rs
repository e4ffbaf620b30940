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

#[test]
fn admin_and_no_admin_cannot_be_given_together() {
    let output = Command::new(BINARY)
        .args(["--module", "m.yaml", "--admin", "127.0.0.1:0", "--no-admin"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("--no-admin") && error.contains("cannot be used with"),
        "{error}"
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
    let logged = |lines: &mut std::io::Lines<_>, prefix: &str| {
        lines
            .by_ref()
            .map(Result::unwrap)
            .find_map(|line: String| line.split(prefix).nth(1).map(str::to_owned))
            .unwrap_or_else(|| panic!("no `{prefix}` in the log"))
    };
    let admin = logged(&mut lines, "dashboard and admin API on http://");
    let egress = logged(&mut lines, "playground egress listening on ");

    let mut stream = TcpStream::connect(admin.trim().trim_end_matches('/')).unwrap();
    stream
        .write_all(b"GET /api/functions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the admin API: {answer}"
    );
    assert!(answer.contains(r#""selector":"example/*""#), "{answer}");

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
