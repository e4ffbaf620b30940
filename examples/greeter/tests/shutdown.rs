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
