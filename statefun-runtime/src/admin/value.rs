//! Typed values as JSON for people: the built-in types and JSON decoded, and the bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use prost::Message;
use serde_json::{Value, json};
use statefun_protocol::types::{
    BooleanWrapper, DoubleWrapper, FloatWrapper, IntWrapper, LongWrapper, StringWrapper,
};
use statefun_protocol::{TypedValue, typename};

/// `{"typename": …, "value": <decoded or null>, "base64": …}`.
pub(crate) fn typed_value_json(value: &TypedValue) -> Value {
    json!({
        "typename": value.typename,
        "value": decode(&value.typename, &value.value),
        "base64": STANDARD.encode(&value.value),
    })
}

/// The value of a built-in type, or a JSON document; `null` for anything else (such as
/// Protobuf) or bytes that do not decode as their type says.
pub(crate) fn decode(typename: &str, bytes: &[u8]) -> Value {
    let decoded = match typename {
        typename::INT => IntWrapper::decode(bytes).ok().map(|v| json!(v.value)),
        typename::LONG => LongWrapper::decode(bytes).ok().map(|v| json!(v.value)),
        typename::BOOL => BooleanWrapper::decode(bytes).ok().map(|v| json!(v.value)),
        typename::FLOAT => FloatWrapper::decode(bytes)
            .ok()
            .map(|v| finite(f64::from(v.value))),
        typename::DOUBLE => DoubleWrapper::decode(bytes).ok().map(|v| finite(v.value)),
        typename::STRING => StringWrapper::decode(bytes).ok().map(|v| json!(v.value)),
        _ if typename.starts_with(typename::PROTOBUF_PREFIX) => None,
        _ => serde_json::from_slice(bytes).ok(),
    };
    decoded.unwrap_or(Value::Null)
}

/// JSON has no NaN or infinity: those are `null`, their bytes are in `base64`.
fn finite(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_types_json_and_others_decode_as_people_read_them() {
        let int = IntWrapper { value: 2 }.encode_to_vec();
        assert_eq!(decode(typename::INT, &int), json!(2));
        let long = LongWrapper { value: -7 }.encode_to_vec();
        assert_eq!(decode(typename::LONG, &long), json!(-7));
        let text = StringWrapper {
            value: "hé".into()
        }
        .encode_to_vec();
        assert_eq!(decode(typename::STRING, &text), json!("hé"));
        let flag = BooleanWrapper { value: true }.encode_to_vec();
        assert_eq!(decode(typename::BOOL, &flag), json!(true));
        let nan = DoubleWrapper { value: f64::NAN }.encode_to_vec();
        assert_eq!(decode(typename::DOUBLE, &nan), Value::Null);
        assert_eq!(
            decode("example/GreetRequest", br#"{"name":"Bob"}"#),
            json!({"name": "Bob"})
        );
        assert_eq!(decode("example/Blob", &[0xFF, 0x00]), Value::Null);
        assert_eq!(decode(typename::INT, &[0xFF]), Value::Null);
        let value = TypedValue::new(typename::INT, int);
        assert_eq!(
            typed_value_json(&value),
            json!({"typename": typename::INT, "value": 2, "base64": "DQIAAAA="})
        );
    }
}
