use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{BoxError, Type};
use crate::TypeName;

/// Any serde type as UTF-8 JSON under a typename of your choice, like the other SDKs'
/// JSON types (`make_json_type` in Python, `MakeJsonType` in Go, `jsonType` in JS).
///
/// ```
/// use statefun_sdk::types::{JsonType, Type};
/// use statefun_sdk::TypeName;
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct GreetRequest {
///     name: String,
/// }
///
/// const GREET_REQUEST: JsonType<GreetRequest> =
///     JsonType::new(TypeName::from_static("example/GreetRequest"));
///
/// let value = GREET_REQUEST.deserialize(r#"{"name": "Bob"}"#.into()).unwrap();
/// assert_eq!(value, GreetRequest { name: "Bob".into() });
/// let mut out = Vec::new();
/// GREET_REQUEST.serialize(&value, &mut out).unwrap();
/// assert_eq!(out, br#"{"name":"Bob"}"#);
/// ```
pub struct JsonType<T> {
    typename: TypeName,
    value: PhantomData<fn() -> T>,
}

impl<T> JsonType<T> {
    /// Values of `T` as JSON, tagged with `typename`.
    pub const fn new(typename: TypeName) -> Self {
        JsonType {
            typename,
            value: PhantomData,
        }
    }
}

impl<T> Clone for JsonType<T> {
    fn clone(&self) -> Self {
        JsonType::new(self.typename.clone())
    }
}

impl<T> fmt::Debug for JsonType<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonType({})", self.typename)
    }
}

impl<T: Serialize + DeserializeOwned + 'static> Type for JsonType<T> {
    type Value = T;

    fn typename(&self) -> &TypeName {
        &self.typename
    }

    fn serialize(&self, value: &T, out: &mut Vec<u8>) -> Result<(), BoxError> {
        serde_json::to_writer(out, value)?;
        Ok(())
    }

    fn deserialize(&self, bytes: Bytes) -> Result<T, BoxError> {
        Ok(serde_json::from_slice(&bytes)?)
    }
}
