//! The `statefun-runtime` binary: it reports a bad module.yaml, serves the playground
//! interfaces of a good one, and shuts down cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_statefun-runtime");
/// Generous: the machine may be loaded.
const DEADLINE: Duration = Duration::from_secs(60);

fn wait_with_deadline(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("the runtime did not exit within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn sigterm(child: &Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}

const EGRESS_MODULE: &str = "kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://127.0.0.1:1/statefun
---
kind: io.statefun.playground.v1/egress
spec:
  port: 0
  topics: [greetings]
";

/// Starts the binary on `module`, with its admin server on an ephemeral port, and returns
/// it with its log lines, the egress address and the admin address if logged before it.
fn start_with_egress(
    module: &std::path::Path,
    command: &mut Command,
) -> (
    Child,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
    String,
    Option<String>,
) {
    let mut child = command
        .args(["--admin", "127.0.0.1:0"])
        .arg("--module")
        .arg(module)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut admin = None;
    let egress = lines
        .by_ref()
        .map(Result::unwrap)
        .find_map(|line| {
            if let Some(address) = line.split("dashboard and admin API on http://").nth(1) {
                admin = Some(address.trim().trim_end_matches('/').to_owned());
            }
            line.split("playground egress listening on ")
                .nth(1)
                .map(str::to_owned)
        })
        .expect("the egress address is logged");
    (child, lines, egress.trim().to_owned(), admin)
}

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
        log.contains(&format!("the module file `{}` document 1", path.display()))
            && log.contains("`spec.urlPathTemplate` is missing"),
        "the file actually loaded is named: {log}"
    );
}

#[test]
fn an_empty_module_file_is_refused() {
    let path = module_file("empty", "# to do\n");
    let output = Command::new(BINARY)
        .arg("--module")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("declares no component"), "{log}");
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
fn serves_the_playground_egress_on_loopback_and_stops_on_sigterm() {
    let path = module_file("good", EGRESS_MODULE);
    let (mut child, lines, egress, admin) = start_with_egress(&path, &mut Command::new(BINARY));
    assert!(
        egress.starts_with("127.0.0.1:"),
        "loopback by default: {egress}"
    );
    let admin = admin.expect("the admin address is logged before the egress's");

    let mut stream = TcpStream::connect(&admin).unwrap();
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

    let mut stream = TcpStream::connect(&egress).unwrap();
    stream
        .write_all(b"GET /greetings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 404"),
        "an empty topic: {answer}"
    );

    sigterm(&child);
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(wait_with_deadline(&mut child).success());
    assert!(
        rest.iter()
            .any(|line| line.contains("SIGTERM: shutting down")),
        "{rest:?}"
    );
}

/// The signal handlers are installed before the addresses are logged: a SIGTERM the
/// moment the egress is announced is a clean stop, not the default action.
#[cfg(unix)]
#[test]
fn a_sigterm_right_after_readiness_is_a_clean_stop() {
    let path = module_file("ready", EGRESS_MODULE);
    for _ in 0..5 {
        let (mut child, lines, _, _) = start_with_egress(&path, &mut Command::new(BINARY));
        sigterm(&child);
        let rest: Vec<String> = lines.map(Result::unwrap).collect();
        assert!(
            rest.iter()
                .any(|line| line.contains("SIGTERM: shutting down")),
            "{rest:?}"
        );
        let status = wait_with_deadline(&mut child);
        assert!(status.success(), "a clean exit after SIGTERM, got {status}");
    }
}

/// Out of file descriptors, the accept loop backs off and logs about once a second,
/// instead of spinning and logging each failure.
#[cfg(target_os = "linux")]
#[test]
fn out_of_file_descriptors_the_accept_loop_backs_off() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("skipped: no prlimit");
        return;
    }
    let path = module_file("emfile", EGRESS_MODULE);
    let mut command = Command::new("prlimit");
    command.args(["--nofile=48", "--", BINARY]);
    let (mut child, lines, egress, _) = start_with_egress(&path, &mut command);
    let log = std::thread::spawn(move || lines.map(Result::unwrap).collect::<Vec<_>>());
    // More idle connections than descriptors: the backlog holds the rest.
    let idle: Vec<TcpStream> = (0..100)
        .filter_map(|_| TcpStream::connect(&egress).ok())
        .collect();
    assert!(idle.len() > 48, "{} connections", idle.len());
    let started = Instant::now();
    // A window for failures to pile up in; not a synchronisation.
    std::thread::sleep(Duration::from_secs(2));
    let failures_window = started.elapsed();
    sigterm(&child);
    drop(idle);
    assert!(wait_with_deadline(&mut child).success());
    let log = log.join().unwrap();
    let warnings = log
        .iter()
        .filter(|line| line.contains("cannot accept a connection"))
        .count();
    assert!(warnings >= 1, "the failure is reported: {log:?}");
    let allowed = failures_window.as_secs() as usize + 3;
    assert!(
        warnings <= allowed,
        "{warnings} warnings in {failures_window:?}: {log:?}"
    );
}
