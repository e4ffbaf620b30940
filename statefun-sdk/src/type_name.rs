use std::fmt;
use std::str::FromStr;

use bytestring::ByteString;

/// A StateFun typename, `namespace/name`: the identity of a function type, an egress, or
/// the type of a value, shared by every StateFun SDK.
///
/// It has exactly one `/`, and neither side is empty (the StateFun runtime rejects any
/// other form). Build one in a `const` or `static` with [`TypeName::from_static`], which
/// checks the form at compile time, or at run time with [`TypeName::new`] or [`str::parse`].
///
/// ```
/// use statefun_sdk::TypeName;
///
/// const GREETER: TypeName = TypeName::from_static("example/greeter");
/// assert_eq!(GREETER.namespace(), "example");
/// assert_eq!(GREETER.name(), "greeter");
/// assert_eq!(GREETER.to_string(), "example/greeter");
///
/// let parsed: TypeName = "example/greeter".parse().unwrap();
/// assert_eq!(parsed, GREETER);
/// assert!("example".parse::<TypeName>().is_err());
/// assert!("a/b/c".parse::<TypeName>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeName {
    namespace: ByteString,
    name: ByteString,
}

/// Why a string is not a valid [`TypeName`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid typename `{input}`: {reason}; a typename is `namespace/name` with exactly one `/`"
)]
pub struct TypeNameError {
    input: String,
    reason: &'static str,
}

/// The position of the only `/`, or why there is not exactly one with text on both sides.
const fn split_position(bytes: &[u8]) -> Result<usize, &'static str> {
    let mut slash = None;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'/' {
            if slash.is_some() {
                return Err("it has more than one `/`");
            }
            slash = Some(i);
        }
        i += 1;
    }
    match slash {
        None => Err("it has no `/`"),
        Some(0) => Err("the namespace is empty"),
        Some(at) if at + 1 == bytes.len() => Err("the name is empty"),
        Some(at) => Ok(at),
    }
}

impl TypeName {
    /// The typename `text`, checked at compile time when used in a `const` or `static`.
    ///
    /// # Panics
    /// When `text` is not `namespace/name` with exactly one `/` and both parts non-empty
    /// (a compile error in const context).
    pub const fn from_static(text: &'static str) -> TypeName {
        let (namespace, name) = match split_position(text.as_bytes()) {
            Ok(at) => text.as_bytes().split_at(at),
            Err(_) => panic!("invalid typename: expected `namespace/name` with exactly one `/`"),
        };
        let (_, name) = name.split_at(1);
        match (std::str::from_utf8(namespace), std::str::from_utf8(name)) {
            (Ok(namespace), Ok(name)) => TypeName {
                namespace: ByteString::from_static(namespace),
                name: ByteString::from_static(name),
            },
            _ => panic!("a &str split at an ASCII `/` stays UTF-8"),
        }
    }

    /// The typename `namespace/name`.
    ///
    /// ```
    /// use statefun_sdk::TypeName;
    ///
    /// let greeter = TypeName::new("example", "greeter").unwrap();
    /// assert_eq!(greeter.to_string(), "example/greeter");
    /// assert!(TypeName::new("ex/ample", "greeter").is_err());
    /// ```
    pub fn new(
        namespace: impl AsRef<str>,
        name: impl AsRef<str>,
    ) -> Result<TypeName, TypeNameError> {
        let (namespace, name) = (namespace.as_ref(), name.as_ref());
        let reason = if namespace.is_empty() {
            Some("the namespace is empty")
        } else if name.is_empty() {
            Some("the name is empty")
        } else if namespace.contains('/') || name.contains('/') {
            Some("it has more than one `/`")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(TypeNameError {
                input: format!("{namespace}/{name}"),
                reason,
            }),
            None => Ok(TypeName {
                namespace: namespace.into(),
                name: name.into(),
            }),
        }
    }

    /// A typename taken from the wire as two separate fields, which the runtime has
    /// already validated; it is not checked again.
    pub(crate) fn from_parts(namespace: ByteString, name: ByteString) -> TypeName {
        TypeName { namespace, name }
    }

    /// The part before the `/`.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The part after the `/`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `text` is this typename, `namespace/name`, without building the string.
    pub fn matches(&self, text: &str) -> bool {
        let (ns, name) = (self.namespace.as_bytes(), self.name.as_bytes());
        let text = text.as_bytes();
        text.len() == ns.len() + 1 + name.len()
            && text.starts_with(ns)
            && text[ns.len()] == b'/'
            && text.ends_with(name)
    }

    /// Length of `namespace/name` in bytes.
    pub(crate) fn len(&self) -> usize {
        self.namespace.len() + 1 + self.name.len()
    }
}

impl FromStr for TypeName {
    type Err = TypeNameError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match split_position(text.as_bytes()) {
            Ok(at) => Ok(TypeName {
                namespace: text[..at].into(),
                name: text[at + 1..].into(),
            }),
            Err(reason) => Err(TypeNameError {
                input: text.to_owned(),
                reason,
            }),
        }
    }
}

impl TryFrom<&str> for TypeName {
    type Error = TypeNameError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl TryFrom<String> for TypeName {
    type Error = TypeNameError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

impl fmt::Debug for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TypeName({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_the_problem() {
        let cases = [
            ("", "no `/`"),
            ("abc", "no `/`"),
            ("/abc", "namespace is empty"),
            ("abc/", "name is empty"),
            ("a/b/c", "more than one `/`"),
        ];
        for (input, reason) in cases {
            let message = input.parse::<TypeName>().unwrap_err().to_string();
            assert!(
                message.contains(reason) && message.contains(&format!("`{input}`")),
                "{message}"
            );
        }
    }

    #[test]
    fn matches_compares_the_joined_form() {
        let name = TypeName::from_static("io.statefun.types/int");
        assert!(name.matches("io.statefun.types/int"));
        assert!(!name.matches("io.statefun.types/long"));
        assert!(!name.matches("io.statefun.typesXint"));
        assert!(!name.matches("io.statefun.types/intx"));
        assert_eq!(name.len(), "io.statefun.types/int".len());
    }

    #[test]
    fn static_and_parsed_are_equal_and_hash_alike() {
        use std::collections::HashSet;
        let set: HashSet<TypeName> = [TypeName::from_static("a/b"), "a/b".parse().unwrap()].into();
        assert_eq!(set.len(), 1);
    }
}
