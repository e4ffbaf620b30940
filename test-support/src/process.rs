//! A child process whose standard output is read as it comes, so that a test waits for a
//! line with a deadline instead of sleeping, and a full pipe never blocks the child.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a test waits for a child to say something or to exit: generous, since the
/// machine may be loaded.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A running child process and the lines of its standard output; killed when dropped.
pub struct Process {
    name: String,
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Process {
    /// Spawns `command` with its standard output piped (standard error is as `command`
    /// says); `name` names it in failures.
    ///
    /// # Panics
    /// When it cannot be spawned.
    pub fn spawn(name: &str, command: &mut Command) -> Process {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        let stdout = child.stdout.take().expect("a piped stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Process {
            name: name.to_owned(),
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The next line of output, waiting up to [`DEADLINE`]; `None` once the output is
    /// closed.
    ///
    /// # Panics
    /// When nothing comes within the deadline.
    pub fn next_line(&mut self) -> Option<String> {
        match self.lines.recv_timeout(DEADLINE) {
            Ok(line) => {
                self.seen.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!(
                "{} said nothing within {DEADLINE:?}; so far: {:?}",
                self.name, self.seen
            ),
        }
    }

    /// What follows `marker` in the first line (from here on) that holds it, trimmed:
    /// an address a server logs, for instance.
    ///
    /// # Panics
    /// When no such line comes within [`DEADLINE`], or the output closes first.
    pub fn wait_for(&mut self, marker: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if let Some((_, rest)) = line.split_once(marker) {
                        return rest.trim().to_owned();
                    }
                }
                Err(error) => panic!(
                    "{} did not say {marker:?} ({error}); it said: {:?}",
                    self.name, self.seen
                ),
            }
        }
    }

    /// Sends SIGTERM, as a process manager stops a service.
    ///
    /// # Panics
    /// When `kill` cannot be run or fails.
    pub fn sigterm(&self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.id().to_string()])
            .status()
            .expect("`kill` runs");
        assert!(killed.success(), "kill -TERM {} failed", self.id());
    }

    /// Waits for the exit, up to [`DEADLINE`].
    ///
    /// # Panics
    /// When the process is still running at the deadline (it is killed then).
    pub fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("{} did not exit within {DEADLINE:?}", self.name);
            }
            // Polling a child's exit status; nothing else to wait on without a signal handler.
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every line of output from here until the output closes (at exit), waiting up to
    /// [`DEADLINE`].
    ///
    /// # Panics
    /// When the output is still open at the deadline.
    pub fn rest_of_output(&mut self) -> Vec<String> {
        let deadline = Instant::now() + DEADLINE;
        let mut rest = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    rest.push(line);
                }
                Err(RecvTimeoutError::Disconnected) => return rest,
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{} kept its output open past {DEADLINE:?}; it said: {rest:?}",
                    self.name
                ),
            }
        }
    }

    /// All of standard error, when `command` piped it; read after the exit.
    pub fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            stderr
                .read_to_string(&mut text)
                .expect("the child's stderr");
        }
        text
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
