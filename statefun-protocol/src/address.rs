use std::fmt;
use std::str::FromStr;

use crate::Address;

impl Address {
    /// The address of instance `id` of function type `namespace/type`.
    pub fn new(
        namespace: impl Into<String>,
        r#type: impl Into<String>,
        id: impl Into<String>,
    ) -> Self {
        Self {
            namespace: namespace.into(),
            r#type: r#type.into(),
            id: id.into(),
        }
    }

    /// The function type as a typename, `namespace/type`.
    pub fn typename(&self) -> String {
        format!("{}/{}", self.namespace, self.r#type)
    }

    /// Whether all three fields are empty. SDKs read such a caller as "no caller".
    pub fn is_empty(&self) -> bool {
        self.namespace.is_empty() && self.r#type.is_empty() && self.id.is_empty()
    }
}

/// Formats as `namespace/type/id`, the form the StateFun tools print.
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.namespace, self.r#type, self.id)
    }
}

/// Why a string is not an address `namespace/type/id`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address `{input}`: {reason}, expected `namespace/type/id`")]
pub struct AddressParseError {
    input: String,
    reason: &'static str,
}

/// Parses `namespace/type/id`. Namespace and type may not contain `/` and may not be
/// empty; the id is everything after the second `/` and may contain `/` itself.
///
/// ```
/// use statefun_protocol::Address;
///
/// let address: Address = "example/greeter/a/b".parse().unwrap();
/// assert_eq!(address, Address::new("example", "greeter", "a/b"));
/// assert_eq!(address.to_string(), "example/greeter/a/b");
/// assert!("example/greeter".parse::<Address>().is_err());
/// ```
impl FromStr for Address {
    type Err = AddressParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = |reason| AddressParseError {
            input: input.to_owned(),
            reason,
        };
        let mut parts = input.splitn(3, '/');
        let namespace = parts.next().unwrap_or_default();
        let (Some(r#type), Some(id)) = (parts.next(), parts.next()) else {
            return Err(error("fewer than three `/`-separated parts"));
        };
        if namespace.is_empty() {
            return Err(error("the namespace is empty"));
        }
        if r#type.is_empty() {
            return Err(error("the function type is empty"));
        }
        Ok(Address::new(namespace, r#type, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip_with_unicode_and_slashes_in_id() {
        let address = Address::new("ns", "fn", "ü/ 🚀/x");
        let text = address.to_string();
        assert_eq!(text, "ns/fn/ü/ 🚀/x");
        assert_eq!(text.parse::<Address>().unwrap(), address);
    }

    #[test]
    fn parse_accepts_an_empty_id() {
        assert_eq!(
            "ns/fn/".parse::<Address>().unwrap(),
            Address::new("ns", "fn", "")
        );
    }

    #[test]
    fn parse_rejects_missing_parts_with_a_reason() {
        let message = "ns".parse::<Address>().unwrap_err().to_string();
        assert!(
            message.contains("`ns`") && message.contains("three"),
            "{message}"
        );
        let message = "/fn/id".parse::<Address>().unwrap_err().to_string();
        assert!(message.contains("namespace is empty"), "{message}");
        let message = "ns//id".parse::<Address>().unwrap_err().to_string();
        assert!(message.contains("function type is empty"), "{message}");
    }

    #[test]
    fn empty_address_is_detected() {
        assert!(Address::default().is_empty());
        assert!(!Address::new("", "", "x").is_empty());
        assert_eq!(Address::new("a", "b", "c").typename(), "a/b");
    }
}
