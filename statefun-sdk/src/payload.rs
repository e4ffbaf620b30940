//! The value-setting methods shared by [`MessageBuilder`](crate::MessageBuilder) and
//! [`EgressBuilder`](crate::EgressBuilder), generated once so that both accept exactly the
//! same kinds of values.

use bytes::Bytes;

use crate::effects::TypedPayload;
use crate::types::{
    self, BoolType, DoubleType, FloatType, IntType, LongType, StringType, Type, ValueError, Wrapped,
};
use crate::{Message, TypeName};

pub(crate) fn typed<T: Type>(ty: &T, value: &T::Value) -> Result<TypedPayload, ValueError> {
    Ok(TypedPayload {
        typename: ty.typename().clone(),
        has_value: true,
        value: types::serialize_to_bytes(ty, value)?,
    })
}

/// For the built-in types, which cannot fail to serialize.
pub(crate) fn builtin<T: Type<Value = V>, V: Wrapped>(ty: &T, value: &V) -> TypedPayload {
    TypedPayload {
        typename: ty.typename().clone(),
        has_value: true,
        value: types::wrapped_bytes(value),
    }
}

pub(crate) fn string(value: &str) -> TypedPayload {
    TypedPayload {
        typename: StringType::TYPENAME,
        has_value: true,
        value: types::str_bytes(value),
    }
}

pub(crate) fn raw(typename: TypeName, value: Bytes) -> TypedPayload {
    TypedPayload {
        typename,
        has_value: true,
        value,
    }
}

pub(crate) fn forwarded(message: &Message) -> Result<TypedPayload, crate::TypeNameError> {
    if message.is_any() {
        return Ok(any(
            message.typename(),
            message.raw_value().cloned().unwrap_or_default(),
        ));
    }
    Ok(TypedPayload {
        typename: message.typename().parse()?,
        has_value: message.has_value(),
        value: message.raw_value().cloned().unwrap_or_default(),
    })
}

/// A `google.protobuf.Any` handed over as it is: on StateFun 2.x its type URL and value go
/// out byte for byte; on 3.x the type URL is the typename.
pub(crate) fn any(type_url: &str, value: Bytes) -> TypedPayload {
    TypedPayload {
        typename: crate::v2::typename_of_url(type_url),
        has_value: true,
        value,
    }
}

pub(crate) const BOOL: BoolType = BoolType;
pub(crate) const INT: IntType = IntType;
pub(crate) const LONG: LongType = LongType;
pub(crate) const FLOAT: FloatType = FloatType;
pub(crate) const DOUBLE: DoubleType = DoubleType;

/// Adds the value methods to `$builder`, which must have `fn finish(self, TypedPayload) -> $output`.
macro_rules! value_methods {
    ($builder:ident => $output:ty) => {
        impl $builder {
            /// `value` of type `ty`: any [`Type`](crate::types::Type), e.g. a JSON or Protobuf type.
            pub fn value<T: $crate::types::Type>(
                self,
                ty: &T,
                value: &T::Value,
            ) -> Result<$output, $crate::types::ValueError> {
                Ok(self.finish($crate::payload::typed(ty, value)?))
            }

            /// A `google.protobuf.Any` as it is. On StateFun 2.x it goes out byte for byte,
            /// whatever its type URL; on 3.x its type URL is the typename.
            pub fn any(self, any: prost_types::Any) -> $output {
                self.finish($crate::payload::any(&any.type_url, any.value.into()))
            }

            /// Bytes already serialized, under `typename`.
            pub fn raw(
                self,
                typename: $crate::TypeName,
                value: impl Into<bytes::Bytes>,
            ) -> $output {
                self.finish($crate::payload::raw(typename, value.into()))
            }

            /// The typename, presence and bytes of a received message, unchanged.
            pub fn forward(
                self,
                message: &$crate::Message,
            ) -> Result<$output, $crate::MessageError> {
                let payload = $crate::payload::forwarded(message)
                    .map_err($crate::outgoing::MessageErrorKind::from)?;
                Ok(self.finish(payload))
            }

            /// An `io.statefun.types/string`.
            pub fn string(self, value: impl AsRef<str>) -> $output {
                self.finish($crate::payload::string(value.as_ref()))
            }

            /// An `io.statefun.types/bool`.
            pub fn bool(self, value: bool) -> $output {
                self.finish($crate::payload::builtin(&$crate::payload::BOOL, &value))
            }

            /// An `io.statefun.types/int`.
            pub fn int(self, value: i32) -> $output {
                self.finish($crate::payload::builtin(&$crate::payload::INT, &value))
            }

            /// An `io.statefun.types/long`.
            pub fn long(self, value: i64) -> $output {
                self.finish($crate::payload::builtin(&$crate::payload::LONG, &value))
            }

            /// An `io.statefun.types/float`.
            pub fn float(self, value: f32) -> $output {
                self.finish($crate::payload::builtin(&$crate::payload::FLOAT, &value))
            }

            /// An `io.statefun.types/double`.
            pub fn double(self, value: f64) -> $output {
                self.finish($crate::payload::builtin(&$crate::payload::DOUBLE, &value))
            }
        }
    };
}

pub(crate) use value_methods;
