//! Function servers written with the official StateFun Python SDKs: the interpreter named
//! by an environment variable, a script that prints `PORT <n>` once it listens.

use std::process::{Command, Stdio};

use crate::Process;

/// The interpreter named by the environment variable `variable`, or `None` when the test
/// is to be skipped: it says so, naming `needs` (what the interpreter must have). In CI
/// (`CI=true`) a missing interpreter fails the test instead, so that CI never skips it.
///
/// # Panics
/// In CI, when `variable` is unset or empty.
pub fn interpreter(variable: &str, needs: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(python) if !python.is_empty() => Some(python),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("{variable} is not set, and CI must run this test: it needs {needs}")
        }
        _ => {
            eprintln!("SKIPPED: this test needs {variable}, a python with {needs}");
            None
        }
    }
}

/// A Python function server, killed when dropped.
pub struct FunctionServer {
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    _process: Process,
}

impl FunctionServer {
    /// Runs `script` with `python` and waits (up to [`DEADLINE`](crate::DEADLINE)) for
    /// its `PORT <n>` line.
    ///
    /// # Panics
    /// When it cannot be started or does not say its port.
    pub fn start(python: &str, script: &str) -> FunctionServer {
        let mut command = Command::new(python);
        // A piped stdin: the scripts exit when it closes, should the test die unkilled.
        command.arg(script).stdin(Stdio::piped());
        let mut process = Process::spawn(&format!("the Python server {script}"), &mut command);
        let said = process.wait_for("PORT ");
        let port = said
            .parse()
            .unwrap_or_else(|_| panic!("{script} said `PORT {said}`, not a port"));
        FunctionServer {
            port,
            _process: process,
        }
    }
}
