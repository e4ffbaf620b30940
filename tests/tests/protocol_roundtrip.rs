//! Every conformance vector decodes into `statefun-protocol`'s types and encodes back to
//! the very same bytes, request and expected response alike: the schemas agree with the
//! official SDK on every field number and type.

use prost::Message;
use statefun_protocol::{FromFunction, ToFunction};
use statefun_tests::conformance::check_all;

fn round_trip<M: Message + Default>(what: &str, bytes: &bytes::Bytes) -> Result<(), String> {
    let decoded = M::decode(bytes.clone()).map_err(|e| format!("{what} does not decode: {e}"))?;
    let encoded = decoded.encode_to_vec();
    if encoded == bytes.as_ref() {
        Ok(())
    } else {
        Err(format!(
            "{what} re-encodes differently:\n  original {:02X?}\n  re-encoded {:02X?}",
            bytes.as_ref(),
            encoded
        ))
    }
}

#[test]
fn requests_round_trip_byte_exactly() {
    check_all(|case| round_trip::<ToFunction>("request", &case.request));
}

#[test]
fn expected_responses_round_trip_byte_exactly() {
    check_all(|case| round_trip::<FromFunction>("expected response", &case.expected));
}

#[test]
fn every_expected_response_equals_itself_under_the_comparison_rules() {
    check_all(|case| statefun_tests::semantic_diff(&case.expected, &case.expected));
}

#[test]
fn the_bundled_suite_is_complete() {
    let bundled =
        statefun_tests::conformance::cases_in(&statefun_tests::conformance::bundled_dir());
    assert_eq!(bundled.len(), 28, "the suite has 28 cases");
    assert!(bundled.iter().any(|c| c.function == "conformance/echo"));
    assert!(
        bundled.iter().any(|c| c.expected.is_empty()),
        "case 26 expects an empty body"
    );
}

#[test]
fn an_extra_directory_adds_its_cases_and_failures_name_them() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("extra-conformance-cases");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let original = statefun_tests::conformance::bundled_dir().join("01-missing-all-states.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(original).unwrap()).unwrap();
    json["name"] = "99-my-extra-case".into();
    std::fs::write(dir.join("99-my-extra-case.json"), json.to_string()).unwrap();

    let all = statefun_tests::conformance::cases_with_extra(Some(&dir));
    assert_eq!(all.len(), 29);
    assert_eq!(all.last().unwrap().name, "99-my-extra-case");

    let failure = std::panic::catch_unwind(|| {
        statefun_tests::conformance::check_cases(&all, |case| {
            if case.name.starts_with("99") {
                Err("deliberate".into())
            } else {
                Ok(())
            }
        })
    })
    .unwrap_err();
    let message = failure.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("case 99-my-extra-case") && message.contains("1 of 29"),
        "{message}"
    );
}
