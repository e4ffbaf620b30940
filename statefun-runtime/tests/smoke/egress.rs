//! The playground egress under `--state-dir`: records committed with the responses that
//! sent them survive `kill -9` of the runtime, and records a `GET` took do not come back.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use super::commands::{self, Commands, Kind, Verify};
use super::interpreter::{Faults, FunctionServer, VERIFICATION_TOPIC};
use super::runtime::{DEADLINE, RuntimeProcess, request, temp_dir};
use super::{module, put};

const RECORDS: i32 = 40;

/// Asks every interpreter for a verification record naming it.
fn produce_records(runtime: &RuntimeProcess) {
    for id in 0..RECORDS {
        let verify = Commands {
            command: vec![commands::Command {
                command: Some(Kind::Verify(Verify {
                    expected: i64::from(id),
                })),
            }],
        };
        put(runtime.ingress, id, verify);
    }
}

/// Waits until the topic holds `length` unread records, as the admin API reports.
fn wait_for_length(runtime: &RuntimeProcess, length: usize) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let path = format!("/api/egress/{VERIFICATION_TOPIC}?limit=1");
        let (status, body) = request(runtime.admin, "GET", &path, "text/plain", b"").unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let report: serde_json::Value = serde_json::from_slice(&body).unwrap();
        if report["length"] == length {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the topic did not reach {length} records within {DEADLINE:?}: {report}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Takes up to `limit` records with `GET`; stops at the first 404.
fn take(runtime: &RuntimeProcess, limit: usize) -> Vec<String> {
    let mut taken = Vec::new();
    while taken.len() < limit {
        let path = format!("/{VERIFICATION_TOPIC}");
        let (status, body) = request(runtime.egress, "GET", &path, "text/plain", b"").unwrap();
        match status {
            200 => taken.push(String::from_utf8(body).unwrap()),
            404 => break,
            other => panic!("GET {path}: {other} {}", String::from_utf8_lossy(&body)),
        }
    }
    taken
}

#[test]
fn egress_records_survive_runtime_kills_and_taken_ones_do_not_come_back() {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let no_faults = Faults {
        server_error: 0,
        dropped: 0,
        slow: 0,
        slow_by: Duration::ZERO,
    };
    let any_port = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let server = tokio.block_on(FunctionServer::start(any_port, no_faults, 1));
    let dir = temp_dir("egress-kills");
    let module_path = dir.join("module.yaml");
    std::fs::write(&module_path, module(server.address)).unwrap();
    let state_dir = dir.join("state");

    let runtime = RuntimeProcess::start(&module_path, &state_dir, &[]);
    produce_records(&runtime);
    // Readable records are committed ones: each is then on disk.
    wait_for_length(&runtime, RECORDS as usize);
    runtime.kill();

    let runtime = RuntimeProcess::start(&module_path, &state_dir, &[]);
    wait_for_length(&runtime, RECORDS as usize);
    let first = take(&runtime, RECORDS as usize / 2);
    assert_eq!(first.len(), RECORDS as usize / 2);
    runtime.kill();

    let runtime = RuntimeProcess::start(&module_path, &state_dir, &[]);
    let rest = take(&runtime, usize::MAX);
    let first: BTreeSet<String> = first.into_iter().collect();
    let rest_set: BTreeSet<String> = rest.iter().cloned().collect();
    assert_eq!(rest.len(), rest_set.len(), "a record came twice: {rest:?}");
    assert!(
        first.is_disjoint(&rest_set),
        "taken records came back: {:?}",
        first.intersection(&rest_set).collect::<Vec<_>>()
    );
    let all: BTreeSet<String> = first.union(&rest_set).cloned().collect();
    let expected: BTreeSet<String> = (0..RECORDS).map(|id| format!("{id} {id} 0")).collect();
    assert_eq!(all, expected, "every committed record, once");
    runtime.stop();
    tokio.block_on(server.kill());
    let _ = std::fs::remove_dir_all(&dir);
}
