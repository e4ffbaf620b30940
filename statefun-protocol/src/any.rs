//! Conversions between [`TypedValue`] (3.x) and [`prost_types::Any`] (2.x and protobuf
//! tooling). A typename and a type URL are the same string, e.g.
//! `type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord`.

use bytes::Bytes;
use prost_types::Any;

use crate::TypedValue;

/// A [`TypedValue`] without a value (`has_value = false`) has no `Any` form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the typed value `{typename}` has no value, and an Any cannot represent that")]
pub struct AbsentValueError {
    typename: String,
}

impl AbsentValueError {
    /// The typename of the value that had no value.
    pub fn typename(&self) -> &str {
        &self.typename
    }
}

/// An `Any` always holds a value (an empty one is a message with default fields).
///
/// ```
/// use statefun_protocol::TypedValue;
///
/// let any = prost_types::Any { type_url: "example/Name".into(), value: b"Bob".to_vec() };
/// let typed = TypedValue::from(any.clone());
/// assert_eq!(typed, TypedValue::new("example/Name", &b"Bob"[..]));
/// assert_eq!(prost_types::Any::try_from(typed).unwrap(), any);
/// ```
impl From<Any> for TypedValue {
    fn from(any: Any) -> Self {
        TypedValue::new(any.type_url, Bytes::from(any.value))
    }
}

impl TryFrom<TypedValue> for Any {
    type Error = AbsentValueError;

    fn try_from(value: TypedValue) -> Result<Self, Self::Error> {
        if !value.has_value {
            return Err(AbsentValueError {
                typename: value.typename,
            });
        }
        Ok(Any {
            type_url: value.typename,
            value: value.value.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_value_has_no_any_form() {
        let error = Any::try_from(TypedValue::absent("a/b")).unwrap_err();
        assert_eq!(error.typename(), "a/b");
        assert!(error.to_string().contains("`a/b` has no value"));
    }

    #[test]
    fn empty_any_is_a_present_empty_value() {
        let typed = TypedValue::from(Any {
            type_url: "a/b".into(),
            value: vec![],
        });
        assert!(typed.is_present());
        assert!(typed.value().unwrap().is_empty());
    }
}
