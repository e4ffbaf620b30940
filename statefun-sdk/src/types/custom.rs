use std::fmt;

use bytes::Bytes;

use super::{BoxError, Type};
use crate::TypeName;

/// A type made of a typename and two functions; usable in `const` context.
///
/// ```
/// use bytes::Bytes;
/// use statefun_sdk::types::{BoxError, CustomType, Type};
/// use statefun_sdk::TypeName;
///
/// fn to_bytes(value: &u16, out: &mut Vec<u8>) -> Result<(), BoxError> {
///     out.extend_from_slice(&value.to_be_bytes());
///     Ok(())
/// }
/// fn from_bytes(bytes: Bytes) -> Result<u16, BoxError> {
///     Ok(u16::from_be_bytes(bytes[..].try_into()?))
/// }
///
/// const PORT: CustomType<u16> =
///     CustomType::new(TypeName::from_static("example/Port"), to_bytes, from_bytes);
///
/// let mut out = Vec::new();
/// PORT.serialize(&8080, &mut out).unwrap();
/// assert_eq!(PORT.deserialize(out.into()).unwrap(), 8080);
/// ```
pub struct CustomType<T> {
    typename: TypeName,
    serialize: fn(&T, &mut Vec<u8>) -> Result<(), BoxError>,
    deserialize: fn(Bytes) -> Result<T, BoxError>,
}

impl<T> CustomType<T> {
    /// Values of `typename`, written by `serialize` and read by `deserialize`.
    pub const fn new(
        typename: TypeName,
        serialize: fn(&T, &mut Vec<u8>) -> Result<(), BoxError>,
        deserialize: fn(Bytes) -> Result<T, BoxError>,
    ) -> Self {
        CustomType {
            typename,
            serialize,
            deserialize,
        }
    }
}

impl<T> Clone for CustomType<T> {
    fn clone(&self) -> Self {
        CustomType {
            typename: self.typename.clone(),
            ..*self
        }
    }
}

impl<T> fmt::Debug for CustomType<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomType({})", self.typename)
    }
}

impl<T: 'static> Type for CustomType<T> {
    type Value = T;

    fn typename(&self) -> &TypeName {
        &self.typename
    }

    fn serialize(&self, value: &T, out: &mut Vec<u8>) -> Result<(), BoxError> {
        (self.serialize)(value, out)
    }

    fn deserialize(&self, bytes: Bytes) -> Result<T, BoxError> {
        (self.deserialize)(bytes)
    }
}

/// Bytes passed through as they are, under a typename of your choice.
///
/// ```
/// use bytes::Bytes;
/// use statefun_sdk::types::{RawType, Type};
/// use statefun_sdk::TypeName;
///
/// const IMAGE: RawType = RawType::new(TypeName::from_static("example/png"));
/// let png = Bytes::from_static(b"\x89PNG");
/// assert_eq!(IMAGE.deserialize(png.clone()).unwrap(), png);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawType {
    typename: TypeName,
}

impl RawType {
    /// Raw bytes tagged with `typename`.
    pub const fn new(typename: TypeName) -> Self {
        RawType { typename }
    }
}

impl Type for RawType {
    type Value = Bytes;

    fn typename(&self) -> &TypeName {
        &self.typename
    }

    fn serialize(&self, value: &Bytes, out: &mut Vec<u8>) -> Result<(), BoxError> {
        out.extend_from_slice(value);
        Ok(())
    }

    fn deserialize(&self, bytes: Bytes) -> Result<Bytes, BoxError> {
        Ok(bytes)
    }
}
