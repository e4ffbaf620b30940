use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use prost_types::Any;

use super::{BoxError, Type, ValueError};
use crate::TypeName;

/// Protobuf messages (any [`prost::Message`]) as StateFun values.
///
/// The typename defaults to the one every other SDK uses,
/// `type.googleapis.com/<full message name>` ([`ProtobufType::new`], for messages that
/// implement [`prost::Name`]); [`ProtobufType::with_typename`] picks another one and works in
/// `const` context.
///
/// ```
/// use statefun_sdk::types::{ProtobufType, Type};
/// use statefun_sdk::TypeName;
///
/// #[derive(Clone, PartialEq, prost::Message)]
/// struct Greeting {
///     #[prost(string, tag = "1")]
///     text: String,
/// }
///
/// const GREETING: ProtobufType<Greeting> =
///     ProtobufType::with_typename(TypeName::from_static("example/Greeting"));
///
/// let mut bytes = Vec::new();
/// GREETING.serialize(&Greeting { text: "hi".into() }, &mut bytes).unwrap();
/// assert_eq!(bytes, [0x0A, 2, b'h', b'i']);
///
/// // Pack into and unpack from a google.protobuf.Any:
/// let any = GREETING.pack(&Greeting { text: "hi".into() });
/// assert_eq!(any.type_url, "example/Greeting");
/// assert_eq!(GREETING.unpack(&any).unwrap().text, "hi");
/// ```
pub struct ProtobufType<M> {
    typename: TypeName,
    message: PhantomData<fn() -> M>,
}

impl<M> ProtobufType<M> {
    /// Messages of type `M` under `typename`.
    pub const fn with_typename(typename: TypeName) -> Self {
        ProtobufType {
            typename,
            message: PhantomData,
        }
    }
}

impl<M: prost::Name> ProtobufType<M> {
    /// Messages of type `M` under `type.googleapis.com/<full name of M>`.
    ///
    /// # Panics
    /// When `M::full_name()` contains a `/`, which no protobuf name does.
    pub fn new() -> Self {
        let typename = TypeName::new(statefun_protocol::typename::PROTOBUF_PREFIX, M::full_name())
            .unwrap_or_else(|e| panic!("a protobuf full name is a typename's name part: {e}"));
        ProtobufType::with_typename(typename)
    }
}

impl<M: prost::Name> Default for ProtobufType<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: prost::Message + Default + 'static> ProtobufType<M> {
    /// `value` in a `google.protobuf.Any` whose type URL is this type's typename.
    pub fn pack(&self, value: &M) -> Any {
        Any {
            type_url: self.typename.to_string(),
            value: value.encode_to_vec(),
        }
    }

    /// The message inside `any`, which must carry this type's typename as its type URL.
    pub fn unpack(&self, any: &Any) -> Result<M, ValueError> {
        if !self.typename.matches(&any.type_url) {
            return Err(ValueError::mismatch(&self.typename, &any.type_url));
        }
        super::deserialize_bytes(self, Bytes::copy_from_slice(&any.value))
    }
}

impl<M> Clone for ProtobufType<M> {
    fn clone(&self) -> Self {
        ProtobufType::with_typename(self.typename.clone())
    }
}

impl<M> fmt::Debug for ProtobufType<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProtobufType({})", self.typename)
    }
}

impl<M: prost::Message + Default + 'static> Type for ProtobufType<M> {
    type Value = M;

    fn typename(&self) -> &TypeName {
        &self.typename
    }

    fn serialize(&self, value: &M, out: &mut Vec<u8>) -> Result<(), BoxError> {
        value.encode(out)?;
        Ok(())
    }

    fn deserialize(&self, bytes: Bytes) -> Result<M, BoxError> {
        Ok(M::decode(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_typename_is_the_type_url() {
        let ty = ProtobufType::<statefun_protocol::egress::KafkaProducerRecord>::new();
        assert_eq!(
            ty.typename().to_string(),
            statefun_protocol::typename::KAFKA_PRODUCER_RECORD
        );
    }

    #[test]
    fn unpack_checks_the_type_url() {
        let ty = ProtobufType::<Any>::with_typename(TypeName::from_static("a/b"));
        let error = ty
            .unpack(&Any {
                type_url: "c/d".into(),
                value: vec![],
            })
            .unwrap_err();
        assert!(error.is_type_mismatch());
        assert_eq!(
            error.to_string(),
            "expected a value of type `a/b`, but it has type `c/d`"
        );
    }
}
