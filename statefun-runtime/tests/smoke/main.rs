//! The smoke test of upstream StateFun (reference §4), against the `statefun-runtime`
//! binary over real HTTP: seeded random command trees to many addresses of a command
//! interpreter written with this project's SDK, while the function server is killed and
//! restarted, answers 5xx, drops connections and answers slower than the call timeout,
//! and the runtime itself is killed with SIGKILL and restarted on the same `--state-dir`.
//! At the end every address's counter must equal the expected count exactly.
//!
//! Sizes come from the environment: `SMOKE_COMMANDS` (10,000), `SMOKE_ADDRESSES` (128),
//! `SMOKE_RUNTIME_KILLS` (3, between rounds of requests), `SMOKE_MID_CALL_KILLS` (3, while
//! the function server holds the answer of a call), `SMOKE_SEED`.

mod commands;
mod egress;
mod interpreter;
mod parked_limit;
mod runtime;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use commands::{Commands, Generator, Kind, SourceCommand, Verify, encode, track};
use interpreter::{FUNCTION, Faults, FunctionServer, SOURCE_COMMAND, VERIFICATION_TOPIC};
use runtime::{DEADLINE, RuntimeProcess, request, temp_dir};

/// Concurrent ingress requests: acknowledgements wait for the disk, which group commits
/// share between them.
const CLIENTS: usize = 8;
/// For how many rounds of requests a killed function server stays down.
const SERVER_DOWN_ROUNDS: u64 = 5;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn module(function: SocketAddr) -> String {
    format!(
        "kind: io.statefun.endpoints.v2/http
spec:
  functions: statefun.smoke.e2e/*
  urlPathTemplate: http://{function}/statefun
  maxNumBatchRequests: 10000
  transport:
    call: 1s
---
kind: io.statefun.playground.v1/ingress
spec:
  port: 0
---
kind: io.statefun.playground.v1/egress
spec:
  port: 0
  topics: [{VERIFICATION_TOPIC}, discard]
"
    )
}

/// Sends `commands` to the interpreter `target` through the ingress; it must be acknowledged.
fn put(ingress: SocketAddr, target: i32, commands: Commands) {
    let body = encode(&SourceCommand {
        target,
        commands: Some(commands),
    });
    let path = format!("/{FUNCTION}/{target}");
    let content_type = format!("application/vnd.{SOURCE_COMMAND}");
    let (status, answer) = request(ingress, "PUT", &path, &content_type, &body)
        .unwrap_or_else(|error| panic!("PUT {path}: {error}"));
    assert_eq!(
        status,
        200,
        "PUT {path}: {}",
        String::from_utf8_lossy(&answer)
    );
}

#[test]
fn every_counter_is_exact_under_faults_and_runtime_kills() {
    let total = setting("SMOKE_COMMANDS", 10_000) as usize;
    let addresses = setting("SMOKE_ADDRESSES", 128) as i32;
    let kills = setting("SMOKE_RUNTIME_KILLS", 3) as usize;
    let mid_call_kills = setting("SMOKE_MID_CALL_KILLS", 3) as usize;
    let seed = setting("SMOKE_SEED", 20_240_601);
    let started = Instant::now();

    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let faults = Faults {
        server_error: 20,
        dropped: 10,
        slow: 2,
        slow_by: Duration::from_millis(1500),
    };
    let any_port = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let mut server = Some(tokio.block_on(FunctionServer::start(any_port, faults, seed)));
    let function = server.as_ref().unwrap().address;
    let dir = temp_dir("smoke");
    let module_path = dir.join("module.yaml");
    std::fs::write(&module_path, module(function)).unwrap();
    let state_dir = dir.join("state");
    let flags = ["--parked-retry", "100ms", "--parked-retry-max", "1s"];
    let mut runtime = RuntimeProcess::start(&module_path, &state_dir, &flags);

    let mut generator = Generator::new(seed, addresses);
    let mut expected = vec![0i64; addresses as usize];
    let runtime_kill_every = (total / (kills + 1)).max(1);
    let mid_call_kill_every = (total / (mid_call_kills + 1)).max(1);
    let mut mid_call_due = 0;
    let mut mid_call_done = 0;
    let server_kill_every = (total / 7).max(1);
    let mut sent = 0;
    let mut runtime_kills = 0;
    let mut server_kills = 0;
    let mut rounds = 0u64;
    let mut server_down_since: Option<u64> = None;
    while sent < total {
        let round: Vec<SourceCommand> = (0..CLIENTS.min(total - sent))
            .map(|_| generator.source_command())
            .collect();
        for command in &round {
            track(
                &mut expected,
                command.target,
                command.commands.as_ref().unwrap(),
            );
        }
        let ingress = runtime.ingress;
        std::thread::scope(|scope| {
            for command in round.iter().cloned() {
                scope.spawn(move || put(ingress, command.target, command.commands.unwrap()));
            }
        });
        let before = sent;
        sent += round.len();
        // Faults between rounds, so that every request sent was answered: a request cut
        // by the kill could have been made durable or not, and the count would be unknown.
        if before / runtime_kill_every != sent / runtime_kill_every && runtime_kills < kills {
            runtime.kill();
            runtime_kills += 1;
            runtime = RuntimeProcess::start(&module_path, &state_dir, &flags);
        }
        // Half a period after the others, and once the function server is up to hold.
        let offset = mid_call_kill_every / 2;
        if (before + offset) / mid_call_kill_every != (sent + offset) / mid_call_kill_every
            && mid_call_done + mid_call_due < mid_call_kills
        {
            mid_call_due += 1;
        }
        if mid_call_due > 0
            && let Some(running) = &server
        {
            let command = generator.source_command();
            track(
                &mut expected,
                command.target,
                command.commands.as_ref().unwrap(),
            );
            runtime = kill_mid_call(
                runtime,
                running,
                command,
                (&module_path, &state_dir, &flags),
            );
            sent += 1;
            mid_call_due -= 1;
            mid_call_done += 1;
        }
        // The function server stays down for a few rounds, whose messages wait.
        rounds += 1;
        if let Some(down_at) = server_down_since
            && rounds - down_at >= SERVER_DOWN_ROUNDS
        {
            server = Some(tokio.block_on(FunctionServer::start(function, faults, seed ^ rounds)));
            server_down_since = None;
        }
        if before / server_kill_every != sent / server_kill_every
            && let Some(running) = server.take()
        {
            tokio.block_on(running.kill());
            server_kills += 1;
            server_down_since = Some(rounds);
        }
    }
    if server.is_none() {
        server = Some(tokio.block_on(FunctionServer::start(function, faults, seed ^ 1)));
    }
    let sending = started.elapsed();

    verify(&runtime, &expected);
    let verified = started.elapsed();
    // The verifications were the last messages; once they are answered, nothing moves.
    runtime.wait_until_idle();
    runtime.stop();
    let stored = exported_counters(&state_dir);
    for (id, want) in expected.iter().enumerate() {
        let have = stored.get(&id.to_string()).copied().unwrap_or(0);
        assert_eq!(have, *want, "the stored counter of {id}");
    }
    tokio.block_on(server.take().unwrap().kill());
    let increments: i64 = expected.iter().sum();
    println!(
        "smoke: {sent} commands to {addresses} addresses ({increments} increments), {runtime_kills} runtime kills between requests and {mid_call_done} in the middle of a call, {server_kills} function server kills: sent in {sending:?}, verified after {verified:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Kills the runtime with SIGKILL while the function server holds the answer of a call it
/// made (after `command` was acknowledged, so that its count is known), then restarts it:
/// the call's batch is in the store and sent again.
fn kill_mid_call(
    runtime: RuntimeProcess,
    server: &FunctionServer,
    command: SourceCommand,
    (module, state_dir, flags): (&Path, &Path, &[&str]),
) -> RuntimeProcess {
    server.hold_answers();
    put(runtime.ingress, command.target, command.commands.unwrap());
    let deadline = Instant::now() + DEADLINE;
    while server.held() == 0 {
        assert!(Instant::now() < deadline, "no call within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    runtime.kill();
    // The answers go to a dead connection.
    server.release();
    RuntimeProcess::start(module, state_dir, flags)
}

/// Sends `Verify` to every address until each reports its expected count; an address that
/// reports more fails at once (counted twice).
fn verify(runtime: &RuntimeProcess, expected: &[i64]) {
    let mut pending: BTreeMap<i32, Option<i64>> =
        (0..expected.len() as i32).map(|id| (id, None)).collect();
    let deadline = Instant::now() + 2 * DEADLINE;
    while !pending.is_empty() {
        assert!(
            Instant::now() < deadline,
            "not verified within {:?}: {:?} (id: last actual)",
            2 * DEADLINE,
            pending.iter().take(10).collect::<Vec<_>>()
        );
        let ids: Vec<i32> = pending.keys().copied().collect();
        let ingress = runtime.ingress;
        for chunk in ids.chunks(CLIENTS) {
            std::thread::scope(|scope| {
                for &id in chunk {
                    let commands = Commands {
                        command: vec![commands::Command {
                            command: Some(Kind::Verify(Verify {
                                expected: expected[id as usize],
                            })),
                        }],
                    };
                    scope.spawn(move || put(ingress, id, commands));
                }
            });
        }
        // Read what came back; a round of requests is the wait between two looks.
        loop {
            let (status, body) = request(
                runtime.egress,
                "GET",
                &format!("/{VERIFICATION_TOPIC}"),
                "text/plain",
                b"",
            )
            .unwrap();
            if status == 404 {
                break;
            }
            let text = String::from_utf8(body).unwrap();
            let fields: Vec<i64> = text
                .split(' ')
                .map(|field| field.trim().parse().unwrap())
                .collect();
            let [id, want, actual] = fields[..] else {
                panic!("a verification record `{text}`");
            };
            assert!(
                actual <= want,
                "over counted: {id} counted {actual}, expected {want}"
            );
            if actual == want {
                pending.remove(&(id as i32));
            } else if let Some(last) = pending.get_mut(&(id as i32)) {
                *last = Some(actual);
            }
        }
    }
}

/// Every interpreter's stored counter, read with `state export`.
fn exported_counters(state_dir: &Path) -> BTreeMap<String, i64> {
    let output = Command::new(env!("CARGO_BIN_EXE_statefun-runtime"))
        .args(["state", "export", "--state-dir"])
        .arg(state_dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "state export failed");
    let mut counters = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        if record["state"] == "state" {
            counters.insert(
                record["address"]["id"].as_str().unwrap().to_owned(),
                record["value"].as_i64().unwrap(),
            );
        }
    }
    counters
}
