use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::TypeName;
use crate::types::Type;

/// How long the runtime keeps a state value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Expiration {
    /// The value lives until it is removed.
    #[default]
    Never,
    /// The value expires when the function instance has not been invoked for this long
    /// (the runtime reads every state on each invocation, so any invocation renews it).
    AfterCall(Duration),
    /// The value expires this long after it was last written.
    AfterWrite(Duration),
}

impl Expiration {
    /// The wire form: `ExpireMode` number and milliseconds (saturated at `i64::MAX`).
    pub(crate) fn to_wire(self) -> (u64, i64) {
        let millis = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        match self {
            Expiration::Never => (0, 0),
            Expiration::AfterWrite(d) => (1, millis(d)),
            Expiration::AfterCall(d) => (2, millis(d)),
        }
    }
}

/// A persisted value a function declares: a name, a [`Type`] and an [`Expiration`].
///
/// The runtime registers it the first time the function asks for it and from then on
/// sends its value with every invocation. Declare specs as `static`s or `const`s; the name
/// is checked at compile time there.
///
/// ```
/// use std::time::Duration;
/// use statefun_sdk::types::IntType;
/// use statefun_sdk::ValueSpec;
///
/// static SEEN: ValueSpec<IntType> = ValueSpec::new("seen", IntType);
/// static LAST_LOGIN: ValueSpec<IntType> =
///     ValueSpec::new("last_login", IntType).expire_after_write(Duration::from_secs(86_400));
///
/// assert_eq!(SEEN.name(), "seen");
/// assert!(ValueSpec::try_new("not valid", IntType).is_err());
/// ```
pub struct ValueSpec<T> {
    name: Cow<'static, str>,
    value_type: T,
    expiration: Expiration,
}

/// Why a name is not a valid state name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid state name `{name}`: a state name starts with an ASCII letter or `_` and continues with ASCII letters, digits or `_`"
)]
pub struct ValueSpecError {
    name: String,
}

/// The rule every SDK can live with: `[A-Za-z_][A-Za-z0-9_]*`.
const fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || !(bytes[0].is_ascii_alphabetic() || bytes[0] == b'_') {
        return false;
    }
    let mut i = 1;
    while i < bytes.len() {
        if !(bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

impl<T: Type> ValueSpec<T> {
    /// A spec named `name` holding values of `value_type`, never expiring.
    ///
    /// # Panics
    /// When `name` is not `[A-Za-z_][A-Za-z0-9_]*` (a compile error in const context).
    pub const fn new(name: &'static str, value_type: T) -> Self {
        assert!(
            is_valid_name(name),
            "invalid state name: use [A-Za-z_][A-Za-z0-9_]*"
        );
        ValueSpec {
            name: Cow::Borrowed(name),
            value_type,
            expiration: Expiration::Never,
        }
    }

    /// Like [`new`](Self::new) for a name known only at run time.
    pub fn try_new(name: impl Into<String>, value_type: T) -> Result<Self, ValueSpecError> {
        let name = name.into();
        if !is_valid_name(&name) {
            return Err(ValueSpecError { name });
        }
        Ok(ValueSpec {
            name: Cow::Owned(name),
            value_type,
            expiration: Expiration::Never,
        })
    }

    /// The value expires after the instance was not invoked for `duration`.
    pub const fn expire_after_call(mut self, duration: Duration) -> Self {
        self.expiration = Expiration::AfterCall(duration);
        self
    }

    /// The value expires `duration` after its last write.
    pub const fn expire_after_write(mut self, duration: Duration) -> Self {
        self.expiration = Expiration::AfterWrite(duration);
        self
    }

    /// The state name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type of the values.
    pub fn value_type(&self) -> &T {
        &self.value_type
    }

    /// The typename of the values.
    pub fn typename(&self) -> &TypeName {
        self.value_type.typename()
    }

    /// When the value expires.
    pub fn expiration(&self) -> Expiration {
        self.expiration
    }
}

impl<T: Type> fmt::Debug for ValueSpec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValueSpec")
            .field("name", &self.name)
            .field("typename", self.typename())
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// A spec without its Rust type: what a function declares to the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeclaredState {
    pub(crate) name: Cow<'static, str>,
    pub(crate) typename: TypeName,
    pub(crate) expiration: Expiration,
}

impl<T: Type> From<&ValueSpec<T>> for DeclaredState {
    fn from(spec: &ValueSpec<T>) -> Self {
        DeclaredState {
            name: spec.name.clone(),
            typename: spec.typename().clone(),
            expiration: spec.expiration,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::IntType;

    #[test]
    fn names_follow_the_common_rule() {
        for good in ["seen", "_x1", "Seen", "a_b_9"] {
            assert!(ValueSpec::try_new(good, IntType).is_ok(), "{good}");
        }
        for bad in ["", "1x", "a-b", "a b", "ü"] {
            let error = ValueSpec::try_new(bad, IntType).unwrap_err();
            assert!(error.to_string().contains(&format!("`{bad}`")));
        }
    }

    #[test]
    fn expiration_wire_form() {
        let spec = ValueSpec::new("x", IntType).expire_after_call(Duration::from_secs(60));
        assert_eq!(spec.expiration().to_wire(), (2, 60_000));
        let spec = ValueSpec::new("x", IntType).expire_after_write(Duration::from_secs(86_400));
        assert_eq!(spec.expiration().to_wire(), (1, 86_400_000));
        assert_eq!(Expiration::Never.to_wire(), (0, 0));
    }
}
