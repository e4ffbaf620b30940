//! Typed values: how a Rust value becomes the bytes of a StateFun `TypedValue` and back.
//!
//! A [`Type`] pairs a [`TypeName`] (the value's identity across languages) with a codec.
//! Built in:
//!
//! | type | Rust value | typename |
//! |---|---|---|
//! | [`BoolType`] | `bool` | `io.statefun.types/bool` |
//! | [`IntType`] | `i32` | `io.statefun.types/int` |
//! | [`LongType`] | `i64` | `io.statefun.types/long` |
//! | [`FloatType`] | `f32` | `io.statefun.types/float` |
//! | [`DoubleType`] | `f64` | `io.statefun.types/double` |
//! | [`StringType`] | `String` | `io.statefun.types/string` |
//! | [`ProtobufType<M>`] | any `prost::Message` | `type.googleapis.com/<full name>` or one you choose |
//! | `JsonType<T>` (feature `json`) | any serde type | one you choose |
//! | [`CustomType<T>`] | anything | one you choose, with your two functions |
//! | [`RawType`] | [`Bytes`] as they are | one you choose |
//!
//! The built-ins write the canonical Protobuf encoding of their wrapper message (a default
//! value is zero bytes), exactly as the Java, Go and Python SDKs do, so functions in every
//! language read each other's values. Implement [`Type`] for anything else.

mod builtin;
mod custom;
#[cfg(feature = "json")]
mod json;
mod protobuf;

use bytes::Bytes;

pub use builtin::{BoolType, DoubleType, FloatType, IntType, LongType, StringType};
pub(crate) use builtin::{Wrapped, read_str, str_bytes, wrapped_bytes};
pub use custom::{CustomType, RawType};
#[cfg(feature = "json")]
pub use json::JsonType;
pub use protobuf::ProtobufType;

use crate::TypeName;

/// Any error, boxed: what a [`Type`]'s codec may fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A StateFun type: a typename and the codec of its values.
///
/// ```
/// use bytes::Bytes;
/// use statefun_sdk::types::{BoxError, Type};
/// use statefun_sdk::TypeName;
///
/// /// A point, sent as "x,y".
/// struct PointType;
///
/// impl Type for PointType {
///     type Value = (i64, i64);
///
///     fn typename(&self) -> &TypeName {
///         static NAME: TypeName = TypeName::from_static("example/Point");
///         &NAME
///     }
///
///     fn serialize(&self, (x, y): &(i64, i64), out: &mut Vec<u8>) -> Result<(), BoxError> {
///         out.extend_from_slice(format!("{x},{y}").as_bytes());
///         Ok(())
///     }
///
///     fn deserialize(&self, bytes: Bytes) -> Result<(i64, i64), BoxError> {
///         let text = std::str::from_utf8(&bytes)?;
///         let (x, y) = text.split_once(',').ok_or("missing comma")?;
///         Ok((x.parse()?, y.parse()?))
///     }
/// }
///
/// let mut out = Vec::new();
/// PointType.serialize(&(3, -4), &mut out).unwrap();
/// assert_eq!(PointType.deserialize(out.into()).unwrap(), (3, -4));
/// ```
pub trait Type: Send + Sync + 'static {
    /// The Rust value.
    type Value;

    /// The typename every value of this type carries on the wire.
    fn typename(&self) -> &TypeName;

    /// Appends the bytes of `value` to `out`.
    fn serialize(&self, value: &Self::Value, out: &mut Vec<u8>) -> Result<(), BoxError>;

    /// Reads a value from its bytes. `bytes` may be a slice of the request buffer; keep it
    /// (it is reference counted) rather than copy it if the value holds bytes.
    fn deserialize(&self, bytes: Bytes) -> Result<Self::Value, BoxError>;
}

/// Why a value could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ValueError(Box<ValueErrorKind>);

impl From<ValueErrorKind> for ValueError {
    fn from(kind: ValueErrorKind) -> Self {
        ValueError(Box::new(kind))
    }
}

#[derive(Debug, thiserror::Error)]
enum ValueErrorKind {
    #[error("expected a value of type `{expected}`, but it has type `{actual}`")]
    Mismatch { expected: TypeName, actual: String },
    #[error(
        "expected a value of type `{expected}`, but it has type `io.statefun.types/string` and its bytes are plain text, not a StringWrapper: most likely it was sent to the playground ingress without a `Content-Type` header, which passes the body on as such a string; send it with `Content-Type: application/vnd.{expected}`"
    )]
    MismatchUnwrapped { expected: TypeName },
    #[error(
        "cannot read a value of type `io.statefun.types/string`: its bytes are plain text, not a StringWrapper: most likely it was sent to the playground ingress without a `Content-Type` header, which passes the body on unwrapped; send it with `Content-Type: application/vnd.<namespace>/<type>` naming the type the function reads (e.g. a JSON type), and read it as that type"
    )]
    UnwrappedString,
    #[error("no arm handles a message of type `{actual}`; this function handles {}", expected_list(.expected))]
    Unhandled {
        actual: String,
        expected: Vec<TypeName>,
    },
    #[error("the `{typename}` message carries no value (has_value is false)")]
    Absent { typename: String },
    #[error("cannot read a value of type `{typename}`: {source}")]
    Deserialize {
        typename: TypeName,
        #[source]
        source: BoxError,
    },
    #[error("cannot write a value of type `{typename}`: {source}")]
    Serialize {
        typename: TypeName,
        #[source]
        source: BoxError,
    },
}

impl ValueError {
    pub(crate) fn mismatch(expected: &TypeName, actual: &str) -> Self {
        ValueErrorKind::Mismatch {
            expected: expected.clone(),
            actual: actual.to_owned(),
        }
        .into()
    }

    pub(crate) fn absent(typename: &str) -> Self {
        ValueErrorKind::Absent {
            typename: typename.to_owned(),
        }
        .into()
    }

    /// A message of type `actual` that is none of `expected`, with the hint about plain
    /// text bytes where it applies.
    pub(crate) fn mismatch_of(expected: &TypeName, actual: &str, value: &Bytes) -> Self {
        if is_unwrapped_text(actual, value) {
            return ValueErrorKind::MismatchUnwrapped {
                expected: expected.clone(),
            }
            .into();
        }
        Self::mismatch(expected, actual)
    }

    pub(crate) fn unwrapped_string() -> Self {
        ValueErrorKind::UnwrappedString.into()
    }

    pub(crate) fn unhandled(actual: &str, expected: Vec<TypeName>) -> Self {
        ValueErrorKind::Unhandled {
            actual: actual.to_owned(),
            expected,
        }
        .into()
    }

    /// Whether the value had another type than the one asked for, or than any a
    /// [`dispatch!`](crate::dispatch) handles.
    pub fn is_type_mismatch(&self) -> bool {
        matches!(
            *self.0,
            ValueErrorKind::Mismatch { .. }
                | ValueErrorKind::MismatchUnwrapped { .. }
                | ValueErrorKind::Unhandled { .. }
        )
    }
}

fn expected_list(expected: &[TypeName]) -> String {
    let names: Vec<String> = expected.iter().map(|t| format!("`{t}`")).collect();
    names.join(", ")
}

/// Whether a value of `typename` is an `io.statefun.types/string` whose bytes are not a
/// `StringWrapper` but text: what the playground ingress makes of a body sent without a
/// `Content-Type` header.
pub(crate) fn is_unwrapped_text(typename: &str, value: &Bytes) -> bool {
    StringType::TYPENAME.matches(typename)
        && read_str(value).is_err()
        && std::str::from_utf8(value).is_ok()
}

/// Serializes `value` with `ty`, appending to `out`.
pub(crate) fn serialize_into<T: Type + ?Sized>(
    ty: &T,
    value: &T::Value,
    out: &mut Vec<u8>,
) -> Result<(), ValueError> {
    ty.serialize(value, out).map_err(|source| {
        ValueErrorKind::Serialize {
            typename: ty.typename().clone(),
            source,
        }
        .into()
    })
}

/// Serializes `value` with `ty` into a fresh buffer.
pub(crate) fn serialize_to_vec<T: Type + ?Sized>(
    ty: &T,
    value: &T::Value,
) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::new();
    serialize_into(ty, value, &mut out)?;
    Ok(out)
}

/// Serializes `value` with `ty` into `Bytes` of the thread's arena.
pub(crate) fn serialize_to_bytes<T: Type + ?Sized>(
    ty: &T,
    value: &T::Value,
) -> Result<Bytes, ValueError> {
    crate::arena::serialized(|out| serialize_into(ty, value, out))
}

/// A failure to read a value of `typename`.
pub(crate) fn deserialize_error(typename: &TypeName, source: BoxError) -> ValueError {
    ValueErrorKind::Deserialize {
        typename: typename.clone(),
        source,
    }
    .into()
}

/// Deserializes `bytes` with `ty`, naming the type on failure.
pub(crate) fn deserialize_bytes<T: Type + ?Sized>(
    ty: &T,
    bytes: Bytes,
) -> Result<T::Value, ValueError> {
    ty.deserialize(bytes).map_err(|source| {
        ValueErrorKind::Deserialize {
            typename: ty.typename().clone(),
            source,
        }
        .into()
    })
}
