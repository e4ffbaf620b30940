//! `greeter --functions-only` stops cleanly on SIGTERM, as a process manager expects, even
//! when the signal comes the moment it says it listens; and a busy port is named.

use std::process::{Command, Stdio};
use std::time::Instant;

use statefun_test_support::Process;

fn greeter(port: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_greeter"));
    command.args(["--functions-only", "--port", port]);
    command
}

#[test]
fn sigterm_stops_the_functions_server_with_success() {
    // Several times: the race between "listening" and the signal handlers is narrow.
    for _ in 0..5 {
        let mut greeter = Process::spawn("the greeter", &mut greeter("0"));
        let first_line = greeter.next_line().unwrap_or_default();
        assert!(
            first_line.starts_with("greeter functions on http://127.0.0.1:"),
            "loopback by default: {first_line}"
        );
        greeter.sigterm();
        let status = greeter.wait();
        assert!(status.success(), "a clean exit after SIGTERM, got {status}");
    }
}

#[test]
fn a_busy_port_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut command = greeter(&port);
    let mut greeter = Process::spawn("the greeter", command.stderr(Stdio::piped()));
    assert_eq!(greeter.next_line(), None, "nothing is announced");
    assert!(!greeter.wait().success());
    let stderr = greeter.stderr();
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
}

/// Out of file descriptors, the functions server backs off and logs about once a second,
/// instead of spinning and logging each failed accept.
#[cfg(target_os = "linux")]
#[test]
fn out_of_file_descriptors_the_server_backs_off() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("skipped: no prlimit");
        return;
    }
    let mut command = Command::new("prlimit");
    command
        .args(["--nofile=48", "--", env!("CARGO_BIN_EXE_greeter")])
        .args(["--functions-only", "--port", "0"])
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info");
    let mut greeter = Process::spawn("the greeter", &mut command);
    let address = greeter
        .wait_for("greeter functions on http://")
        .strip_suffix("/statefun")
        .expect("the address is announced")
        .to_owned();
    // More idle connections than descriptors: the listen backlog holds the rest.
    let idle: Vec<std::net::TcpStream> = (0..100)
        .filter_map(|_| std::net::TcpStream::connect(&address).ok())
        .collect();
    assert!(idle.len() > 48, "{} connections", idle.len());
    let started = Instant::now();
    // A window for failures to pile up in; not a synchronisation.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let window = started.elapsed();
    greeter.sigterm();
    drop(idle);
    assert!(greeter.wait().success());
    let log = greeter.rest_of_output();
    let warnings = log
        .iter()
        .filter(|line| line.contains("accepting a connection failed"))
        .count();
    assert!(warnings >= 1, "the failure is reported: {log:?}");
    assert!(
        warnings <= window.as_secs() as usize + 3,
        "{warnings} warnings in {window:?}: {log:?}"
    );
}
