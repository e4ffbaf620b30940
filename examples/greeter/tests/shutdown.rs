//! `greeter --functions-only` stops cleanly on SIGTERM, as a process manager expects.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn sigterm_stops_the_functions_server_with_success() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_greeter"))
        .args(["--functions-only", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the greeter starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    assert!(
        first_line.starts_with("greeter functions on http://"),
        "{first_line}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "a clean exit after SIGTERM, got {status}");
}
