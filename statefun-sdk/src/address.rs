use std::fmt;

use bytestring::ByteString;

use crate::TypeName;

/// The address of one function instance: its function type and an id.
///
/// ```
/// use statefun_sdk::{Address, TypeName};
///
/// const USER: TypeName = TypeName::from_static("example/user");
/// let address = Address::new(USER, "alice");
/// assert_eq!(address.function_type(), &USER);
/// assert_eq!(address.id(), "alice");
/// assert_eq!(address.to_string(), "example/user/alice");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Address {
    function_type: TypeName,
    id: ByteString,
}

impl Address {
    /// Instance `id` of `function_type`. Any string is a valid id.
    pub fn new(function_type: TypeName, id: impl Into<String>) -> Address {
        Address {
            function_type,
            id: ByteString::from(id.into()),
        }
    }

    pub(crate) fn from_parts(function_type: TypeName, id: ByteString) -> Address {
        Address { function_type, id }
    }

    /// The function type, `namespace/name`.
    pub fn function_type(&self) -> &TypeName {
        &self.function_type
    }

    /// The instance id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// `namespace/name/id`.
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.function_type, self.id)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}
