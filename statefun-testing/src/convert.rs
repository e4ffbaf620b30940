//! Between the SDK's values and the wire's: what the harness sends and reads.

use bytes::Bytes;
use statefun_protocol::TypedValue;
use statefun_sdk::types::{BoxError, Type};
use statefun_sdk::{Address, OutgoingMessage};

use crate::error::{ReadError, ReadErrorKind};

/// The wire address of an SDK address.
///
/// ```
/// use statefun_sdk::{Address, TypeName};
///
/// let bob = Address::new(TypeName::from_static("example/greeter"), "bob");
/// let wire = statefun_testing::convert::address(&bob);
/// assert_eq!(wire, statefun_testing::protocol::Address::new("example", "greeter", "bob"));
/// ```
pub fn address(address: &Address) -> statefun_protocol::Address {
    let function_type = address.function_type();
    statefun_protocol::Address::new(
        function_type.namespace(),
        function_type.name(),
        address.id(),
    )
}

/// The wire value of a message built with [`MessageBuilder`](statefun_sdk::MessageBuilder).
///
/// ```
/// use statefun_sdk::{MessageBuilder, TypeName};
///
/// let message = MessageBuilder::to(TypeName::from_static("example/greeter"), "bob").string("Bob");
/// let value = statefun_testing::convert::typed_value(&message);
/// assert_eq!(value.typename, "io.statefun.types/string");
/// assert_eq!(&value.value[..], b"\x0a\x03Bob");
/// ```
pub fn typed_value(message: &OutgoingMessage) -> TypedValue {
    TypedValue::new(message.typename().to_string(), message.raw_value().clone())
}

/// `value` as a wire value of `ty`: what a function or the runtime would send, e.g. to
/// build a request by hand.
///
/// ```
/// use statefun_sdk::types::IntType;
///
/// let value = statefun_testing::convert::value(&IntType, &41).unwrap();
/// assert_eq!(value.typename, "io.statefun.types/int");
/// assert_eq!(statefun_testing::convert::value_as(&IntType, &value).unwrap(), 41);
/// ```
pub fn value<T: Type>(ty: &T, value: &T::Value) -> Result<TypedValue, BoxError> {
    let mut out = Vec::new();
    ty.serialize(value, &mut out)?;
    Ok(TypedValue::new(ty.typename().to_string(), out))
}

/// A wire value read as `ty`, which must have its typename: a state or a message taken
/// off the wire, e.g. from a function's raw response.
pub fn value_as<T: Type>(ty: &T, value: &TypedValue) -> Result<T::Value, ReadError> {
    read(ty, value, &format!("a value of type `{}`", value.typename))
}

/// `value` read as `ty`, which must have its typename; `what` names it in errors.
pub(crate) fn read<T: Type>(ty: &T, value: &TypedValue, what: &str) -> Result<T::Value, ReadError> {
    if !ty.typename().matches(&value.typename) {
        return Err(ReadErrorKind::WrongType {
            what: what.to_owned(),
            expected: ty.typename().to_string(),
            actual: value.typename.clone(),
        }
        .into());
    }
    decode(ty, value.value.clone(), what)
}

/// `bytes` decoded with `ty`.
pub(crate) fn decode<T: Type>(ty: &T, bytes: Bytes, what: &str) -> Result<T::Value, ReadError> {
    ty.deserialize(bytes).map_err(|source| {
        ReadErrorKind::Decode {
            what: what.to_owned(),
            typename: ty.typename().to_string(),
            source,
        }
        .into()
    })
}
