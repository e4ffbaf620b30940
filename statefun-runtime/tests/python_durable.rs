//! A function written with another SDK (the official Python SDK, apache-flink-statefun
//! 3.3.0) keeps its visit counts across three `kill -9`s of a runtime started with
//! `--state-dir`.
//!
//! It needs `STATEFUN_PYTHON` (see `scripts/python-sdk-venv.sh`); without it the test says
//! it is skipped, except in CI (`CI=true`), where it fails.

// Shared with the smoke test, which uses all of it.
#[path = "smoke/runtime.rs"]
#[allow(dead_code)]
mod runtime;

use std::collections::BTreeMap;
use std::process::Command;

use runtime::{RuntimeProcess, request, temp_dir};
use statefun_test_support::python::{self, FunctionServer};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/visits.py");

/// An `io.statefun.types/string` as the SDKs encode it.
fn string_wrapper(text: &str) -> Vec<u8> {
    let mut out = vec![0x0A, text.len() as u8];
    out.extend_from_slice(text.as_bytes());
    out
}

fn stored_visits(state_dir: &std::path::Path) -> BTreeMap<String, i64> {
    let output = Command::new(env!("CARGO_BIN_EXE_statefun-runtime"))
        .args(["state", "export", "--state-dir"])
        .arg(state_dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "state export failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|record| record["state"] == "visits")
        .map(|record| {
            (
                record["address"]["id"].as_str().unwrap().to_owned(),
                record["value"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn python_functions_keep_their_visit_counts_across_three_runtime_kills() {
    let needs = "apache-flink-statefun==3.3.0 (scripts/python-sdk-venv.sh)";
    let Some(python) = python::interpreter("STATEFUN_PYTHON", needs) else {
        return;
    };
    let server = FunctionServer::start(&python, SCRIPT);
    let dir = temp_dir("python-durable");
    let module = dir.join("module.yaml");
    std::fs::write(
        &module,
        format!(
            "kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://127.0.0.1:{}/statefun
---
kind: io.statefun.playground.v1/ingress
spec:
  port: 0
---
kind: io.statefun.playground.v1/egress
spec:
  port: 0
  topics: [unused]
",
            server.port
        ),
    )
    .unwrap();
    let state_dir = dir.join("state");
    let people = ["ann", "bob", "cy"];
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    let mut runtime = RuntimeProcess::start(&module, &state_dir, &[]);
    for round in 0..4 {
        for (n, person) in people.iter().enumerate() {
            // Different counts per person and round, so that a lost or repeated round shows.
            for _ in 0..=(n + round) {
                let (status, _) = request(
                    runtime.ingress,
                    "PUT",
                    &format!("/example/visits/{person}"),
                    "application/vnd.io.statefun.types/string",
                    &string_wrapper(person),
                )
                .unwrap();
                assert_eq!(status, 200);
                *expected.entry((*person).to_owned()).or_default() += 1;
            }
        }
        if round < 3 {
            // Right after the acknowledgements: their calls may well be in flight.
            runtime.kill();
            runtime = RuntimeProcess::start(&module, &state_dir, &[]);
        }
    }
    runtime.wait_until_idle();
    runtime.stop();
    assert_eq!(stored_visits(&state_dir), expected);
    let _ = std::fs::remove_dir_all(&dir);
}
