//! `greeter --functions-only` stops cleanly on SIGTERM, as a process manager expects, even
//! when the signal comes the moment it says it listens; and a busy port is named.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

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
            panic!("the greeter did not exit within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start_functions(port: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_greeter"))
        .args(["--functions-only", "--port", port])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the greeter starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    (child, first_line)
}

fn sigterm(child: &Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}

#[test]
fn sigterm_stops_the_functions_server_with_success() {
    // Several times: the race between "listening" and the signal handlers is narrow.
    for _ in 0..5 {
        let (mut child, first_line) = start_functions("0");
        assert!(
            first_line.starts_with("greeter functions on http://127.0.0.1:"),
            "loopback by default: {first_line}"
        );
        sigterm(&child);
        let status = wait_with_deadline(&mut child);
        assert!(status.success(), "a clean exit after SIGTERM, got {status}");
    }
}

#[test]
fn a_busy_port_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (mut child, first_line) = start_functions(&port);
    assert_eq!(first_line, "", "nothing is announced");
    let status = wait_with_deadline(&mut child);
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
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
    let mut child = Command::new("prlimit")
        .args(["--nofile=48", "--", env!("CARGO_BIN_EXE_greeter")])
        .args(["--functions-only", "--port", "0"])
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the greeter starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first_line = lines.next().unwrap().unwrap();
    let address = first_line
        .strip_prefix("greeter functions on http://")
        .and_then(|rest| rest.strip_suffix("/statefun"))
        .expect("the address is announced")
        .to_owned();
    let log = std::thread::spawn(move || lines.map(Result::unwrap).collect::<Vec<_>>());
    // More idle connections than descriptors: the listen backlog holds the rest.
    let idle: Vec<std::net::TcpStream> = (0..100)
        .filter_map(|_| std::net::TcpStream::connect(&address).ok())
        .collect();
    assert!(idle.len() > 48, "{} connections", idle.len());
    let started = Instant::now();
    // A window for failures to pile up in; not a synchronisation.
    std::thread::sleep(Duration::from_secs(2));
    let window = started.elapsed();
    sigterm(&child);
    drop(idle);
    assert!(wait_with_deadline(&mut child).success());
    let log = log.join().unwrap();
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
