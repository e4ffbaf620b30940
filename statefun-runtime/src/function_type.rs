//! Function types (`namespace/name`) and the `functions` selectors of module.yaml.

use std::fmt;
use std::str::FromStr;

use statefun_protocol::Address;

/// A function type, `namespace/name`, as the runtime parses typenames: exactly one `/`,
/// both sides non-empty.
///
/// ```
/// use statefun_runtime::FunctionType;
///
/// let greeter: FunctionType = "example/greeter".parse().unwrap();
/// assert_eq!(greeter.namespace(), "example");
/// assert_eq!(greeter.name(), "greeter");
/// assert!("example/a/b".parse::<FunctionType>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionType {
    namespace: String,
    name: String,
}

impl FunctionType {
    /// The type `namespace/name`. Use [`str::parse`] to validate untrusted input.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The type of the function instance at `address`.
    pub fn of(address: &Address) -> Self {
        Self::new(address.namespace.clone(), address.r#type.clone())
    }

    /// The namespace, before the `/`.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The name, after the `/`.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn into_parts(self) -> (String, String) {
        (self.namespace, self.name)
    }
}

impl fmt::Display for FunctionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Why a string is not a typename `namespace/name`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid typename `{input}`: expected exactly one `/` between a non-empty namespace and name"
)]
pub struct TypenameError {
    input: String,
}

impl FromStr for FunctionType {
    type Err = TypenameError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut parts = input.split('/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(namespace), Some(name), None) if !namespace.is_empty() && !name.is_empty() => {
                Ok(Self::new(namespace, name))
            }
            _ => Err(TypenameError {
                input: input.to_owned(),
            }),
        }
    }
}

/// Which function types an endpoint serves: one type (`ns/name`) or a whole namespace (`ns/*`).
///
/// ```
/// use statefun_runtime::{FunctionSelector, FunctionType};
///
/// let all: FunctionSelector = "example/*".parse().unwrap();
/// assert!(all.matches(&FunctionType::new("example", "greeter")));
/// assert!(!all.matches(&FunctionType::new("other", "greeter")));
/// assert!("ex*/greeter".parse::<FunctionSelector>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FunctionSelector {
    /// Exactly this function type.
    Type(FunctionType),
    /// Every function type of this namespace.
    Namespace(String),
}

impl FunctionSelector {
    /// Whether `function_type` is selected.
    pub fn matches(&self, function_type: &FunctionType) -> bool {
        match self {
            Self::Type(selected) => selected == function_type,
            Self::Namespace(namespace) => namespace == function_type.namespace(),
        }
    }
}

impl fmt::Display for FunctionSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Type(function_type) => function_type.fmt(f),
            Self::Namespace(namespace) => write!(f, "{namespace}/*"),
        }
    }
}

/// Why a string is not a function selector `namespace/name` or `namespace/*`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid function selector `{input}`: expected `namespace/name` or `namespace/*`, where `*` may only be the whole name"
)]
pub struct SelectorError {
    input: String,
}

impl FromStr for FunctionSelector {
    type Err = SelectorError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || SelectorError {
            input: input.to_owned(),
        };
        let function_type: FunctionType = input.parse().map_err(|_| error())?;
        if function_type.namespace().contains('*') {
            return Err(error());
        }
        match function_type.name() {
            "*" => Ok(Self::Namespace(function_type.namespace)),
            name if name.contains('*') => Err(error()),
            _ => Ok(Self::Type(function_type)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typename_needs_exactly_one_slash_and_two_non_empty_parts() {
        for bad in ["", "a", "a/", "/b", "a/b/c", "a//b"] {
            let error = bad.parse::<FunctionType>().unwrap_err();
            assert!(error.to_string().contains(&format!("`{bad}`")), "{error}");
        }
        assert_eq!(
            "a/b".parse::<FunctionType>().unwrap(),
            FunctionType::new("a", "b")
        );
    }

    #[test]
    fn selector_allows_star_only_as_the_whole_name() {
        assert_eq!(
            "ns/*".parse::<FunctionSelector>().unwrap(),
            FunctionSelector::Namespace("ns".into())
        );
        for bad in ["*/x", "ns/x*", "ns*/x", "ns/*/x"] {
            assert!(bad.parse::<FunctionSelector>().is_err(), "{bad}");
        }
    }
}
