//! The 2.x conformance functions, written with the public SDK API and served with
//! `Protocol::V2`, do with every 2.x vector what the official 2.2.2 Python SDK did:
//! answer the same response (per the suite's comparison rules) or fail the request.

#[path = "support/conformance_v2_functions.rs"]
mod conformance_v2_functions;

use statefun_tests::conformance_v2::{Outcome, cases, check_all, verdict};

#[tokio::test]
async fn the_handler_reproduces_every_2x_conformance_case() {
    let handler = conformance_v2_functions::conformance_v2_handler();
    let cases = cases();
    let mut answers = Vec::new();
    for case in &cases {
        answers.push(handler.handle(case.request.clone()).await);
    }
    let mut answers = answers.into_iter();
    check_all(&cases, |case| {
        let answer = answers.next().expect("one answer per case");
        verdict(case, answer.as_deref().map_err(|e| e.to_string()))
    });
}

#[test]
fn the_bundled_cases_are_all_there() {
    let cases =
        statefun_tests::conformance_v2::cases_in(&statefun_tests::conformance_v2::bundled_dir());
    assert_eq!(cases.len(), 33);
    let failing = cases
        .iter()
        .filter(|case| matches!(case.outcome, Outcome::Error(_)))
        .count();
    assert_eq!(failing, 9);
}

#[tokio::test]
async fn each_failing_case_fails_for_its_reason() {
    // The reason the 2.x Python SDK failed, and the words our error must contain.
    let expected = [
        ("02-state-not-in-request", "module.yaml"),
        ("15-reply-without-caller", "without a caller"),
        ("21-kafka-without-topic", "topic"),
        ("22-kinesis-without-partition-key", "partition key"),
        ("25-typed-unknown-type", "Unknown message type"),
        ("26-typed-type-url-without-slash", "Unknown message type"),
        ("27-unknown-function", "unknown function type"),
        ("28-malformed-request", "not a valid ToFunction"),
        ("31-corrupt-state-read", "cannot read"),
    ];
    let handler = conformance_v2_functions::conformance_v2_handler();
    let bundled =
        statefun_tests::conformance_v2::cases_in(&statefun_tests::conformance_v2::bundled_dir());
    for (name, words) in expected {
        let case = bundled
            .iter()
            .find(|case| case.name == name)
            .unwrap_or_else(|| panic!("case {name} is bundled"));
        let error = handler
            .handle(case.request.clone())
            .await
            .expect_err(name)
            .to_string();
        assert!(error.contains(words), "{name}: {error}");
    }
}
