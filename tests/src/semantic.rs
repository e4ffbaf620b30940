//! The comparison rules of the conformance suite (its README, section 7): two
//! `FromFunction`s are equal when they mean the same thing to the runtime.

use bytes::Bytes;
use prost::Message;
use statefun_protocol::from_function::{self, Response};
use statefun_protocol::{Address, FromFunction, TypedValue};

/// Typenames whose values are compared as parsed JSON rather than as bytes.
const JSON_TYPENAMES: &[&str] = &[
    "conformance/Profile",
    "conformance/Payload",
    "conformance/Commands",
];

/// `Ok(())` when `actual` means what `expected` means, otherwise a description of the
/// differences.
pub fn semantic_diff(expected: &[u8], actual: &[u8]) -> Result<(), String> {
    let decode = |side: &str, bytes: &[u8]| {
        FromFunction::decode(bytes).map_err(|e| format!("{side} is not a FromFunction: {e}"))
    };
    let expected_msg = decode("expected", expected)?;
    let actual_msg = decode("actual", actual)?;
    crate::wire_scan::unknown_field(actual)
        .map_err(|e| format!("actual has an unknown field: {e}"))?;
    let expected_norm = normalize(expected_msg);
    let actual_norm = normalize(actual_msg);
    if expected_norm == actual_norm {
        return Ok(());
    }
    let expected_text = format!("{expected_norm:#?}");
    let actual_text = format!("{actual_norm:#?}");
    let mut diff = String::new();
    let (e_lines, a_lines): (Vec<_>, Vec<_>) = (
        expected_text.lines().collect(),
        actual_text.lines().collect(),
    );
    for i in 0..e_lines.len().max(a_lines.len()) {
        let (e, a) = (e_lines.get(i), a_lines.get(i));
        if e != a {
            diff.push_str(&format!("- {}\n+ {}\n", e.unwrap_or(&""), a.unwrap_or(&"")));
        }
    }
    Err(format!(
        "responses differ (normalized, line by line):\n{diff}"
    ))
}

fn normalize(mut msg: FromFunction) -> FromFunction {
    let response = msg
        .response
        .take()
        .unwrap_or_else(|| Response::InvocationResult(Default::default()));
    msg.response = Some(match response {
        Response::InvocationResult(mut result) => {
            for m in &mut result.state_mutations {
                normalize_value(&mut m.state_value);
            }
            for m in &mut result.outgoing_messages {
                normalize_address(&mut m.target);
                normalize_value(&mut m.argument);
            }
            for d in &mut result.delayed_invocations {
                normalize_address(&mut d.target);
                normalize_value(&mut d.argument);
            }
            for e in &mut result.outgoing_egresses {
                normalize_value(&mut e.argument);
            }
            Response::InvocationResult(result)
        }
        Response::IncompleteInvocationContext(mut incomplete) => {
            for spec in &mut incomplete.missing_values {
                spec.expiration_spec
                    .get_or_insert_with(from_function::ExpirationSpec::default);
            }
            Response::IncompleteInvocationContext(incomplete)
        }
    });
    msg
}

fn normalize_address(address: &mut Option<Address>) {
    address.get_or_insert_with(Address::default);
}

fn normalize_value(value: &mut Option<TypedValue>) {
    let value = value.get_or_insert_with(TypedValue::default);
    if JSON_TYPENAMES.contains(&value.typename.as_str())
        && let Ok(json) = serde_json::from_slice::<serde_json::Value>(&value.value)
    {
        value.value = Bytes::from(canonical_json(json).to_string());
    }
}

/// Object keys sorted (serde_json's default map), and every number with an integral
/// value written as an integer, so that `1`, `1.0` and `-0.0`/`0` compare equal.
fn canonical_json(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(canonical_json).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, canonical_json(v)))
                .collect(),
        ),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Value::from(f as i64)
            }
            _ => Value::Number(n),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statefun_protocol::from_function::{EgressMessage, InvocationResponse};

    fn egress(typename: &str, value: &str) -> Vec<u8> {
        FromFunction {
            response: Some(Response::InvocationResult(InvocationResponse {
                outgoing_egresses: vec![EgressMessage {
                    egress_namespace: "a".into(),
                    egress_type: "b".into(),
                    argument: Some(TypedValue::new(typename, value.to_owned())),
                }],
                ..Default::default()
            })),
        }
        .encode_to_vec()
    }

    #[test]
    fn empty_body_equals_empty_result() {
        let empty_result = FromFunction {
            response: Some(Response::InvocationResult(Default::default())),
        };
        assert_eq!(semantic_diff(&[], &empty_result.encode_to_vec()), Ok(()));
    }

    #[test]
    fn json_values_compare_parsed_and_others_by_bytes() {
        let a = egress("conformance/Payload", r#"{"x": 1.0, "y": [true]}"#);
        let b = egress("conformance/Payload", r#"{"y":[true],"x":1}"#);
        assert_eq!(semantic_diff(&a, &b), Ok(()));
        let c = egress("conformance/Payload", r#"{"y":[false],"x":1}"#);
        assert!(semantic_diff(&a, &c).is_err());
        let d = egress("other/Type", r#"{"x": 1.0, "y": [true]}"#);
        let e = egress("other/Type", r#"{"y":[true],"x":1}"#);
        assert!(semantic_diff(&d, &e).is_err());
    }

    #[test]
    fn incomplete_context_never_equals_a_result() {
        let incomplete = FromFunction {
            response: Some(Response::IncompleteInvocationContext(Default::default())),
        };
        assert!(semantic_diff(&[], &incomplete.encode_to_vec()).is_err());
    }
}
