//! The `statefun-runtime` binary as a child process: started on a module and a state
//! directory, its log read for its addresses, killed with SIGKILL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_statefun-runtime");

pub struct RuntimeProcess {
    child: Child,
    pub ingress: SocketAddr,
    pub egress: SocketAddr,
    pub admin: SocketAddr,
}

/// How long to wait for the runtime to start or a condition to hold.
pub const DEADLINE: Duration = Duration::from_secs(60);

impl RuntimeProcess {
    pub fn start(module: &Path, state_dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(BINARY)
            .args(["--host", "127.0.0.1", "--admin", "127.0.0.1:0", "--module"])
            .arg(module)
            .arg("--state-dir")
            .arg(state_dir)
            .args(extra)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines, log) = mpsc::channel();
        // Read the log all along, also once nobody looks: a full pipe would stop the runtime.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // What went wrong is shown with the test's output.
                if line.contains(" ERROR ") {
                    eprintln!("runtime: {line}");
                }
                let _ = lines.send(line);
            }
        });
        let mut ingress = None;
        let mut egress = None;
        let mut admin = None;
        let deadline = Instant::now() + DEADLINE;
        while ingress.is_none() || egress.is_none() || admin.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = log
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("the runtime did not start within {DEADLINE:?}"));
            let after = |marker: &str| {
                line.split(marker)
                    .nth(1)
                    .map(|rest| rest.trim().parse::<SocketAddr>().unwrap())
            };
            ingress = ingress.or_else(|| after("playground ingress listening on "));
            egress = egress.or_else(|| after("playground egress listening on "));
            admin = admin.or_else(|| {
                line.split("admin API on http://")
                    .nth(1)
                    .and_then(|rest| rest.split('/').next())
                    .map(|address| address.parse().unwrap())
            });
        }
        Self {
            child,
            ingress: ingress.unwrap(),
            egress: egress.unwrap(),
            admin: admin.unwrap(),
        }
    }

    /// Waits until no address is active and no delayed message is pending, as the admin
    /// API reports.
    pub fn wait_until_idle(&self) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let (status, body) = request(self.admin, "GET", "/api/parked", "text/plain", b"")
                .expect("the admin API answers");
            assert_eq!(status, 200);
            let report: serde_json::Value = serde_json::from_slice(&body).unwrap();
            if report["active"] == 0 && report["delayed"] == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "not idle within {DEADLINE:?}: {report}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the runtime at once, as `kill -9` does.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Stops the runtime with SIGTERM and waits for a clean exit.
    pub fn stop(mut self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        assert!(self.child.wait().unwrap().success());
    }
}

impl Drop for RuntimeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection; the status and body.
pub fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(DEADLINE))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {text:?}")))?;
    let body = match answer.windows(4).position(|window| window == b"\r\n\r\n") {
        Some(at) => answer[at + 4..].to_vec(),
        None => Vec::new(),
    };
    Ok((status, body))
}

/// A fresh directory under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("statefun-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
