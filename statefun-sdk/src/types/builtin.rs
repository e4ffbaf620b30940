//! The six built-in types. Their bytes are the serialized wrapper messages of
//! `io.statefun.sdk.types` (field 1 holds the value), written canonically: a default value
//! leaves the field out. Decoding accepts any valid encoding, such as an explicit `0`.

use bytes::Bytes;
use statefun_protocol::wire::encoded_len_varint;

use super::{BoxError, Type};
use crate::TypeName;
use crate::arena;
use crate::wire::{Field, Reader, Sink, encode_varint};

/// The last occurrence of field 1 in a wrapper message, if any.
fn field_one(bytes: &Bytes) -> Result<Option<Field>, BoxError> {
    let mut reader = Reader::new(bytes);
    let mut found = None;
    while let Some((number, field)) = reader.next_field()? {
        if number == 1 {
            found = Some(field);
        }
    }
    Ok(found)
}

macro_rules! builtin_type {
    ($(#[$doc:meta])* $name:ident, $value:ty, $typename:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name;

        impl $name {
            /// The typename of this type.
            pub const TYPENAME: TypeName = TypeName::from_static($typename);
        }

        impl Type for $name {
            type Value = $value;

            fn typename(&self) -> &TypeName {
                static TYPENAME: TypeName = $name::TYPENAME;
                &TYPENAME
            }

            fn serialize(&self, value: &$value, out: &mut Vec<u8>) -> Result<(), BoxError> {
                write(value, out);
                Ok(())
            }

            fn deserialize(&self, bytes: Bytes) -> Result<$value, BoxError> {
                read(&bytes)
            }
        }
    };
}

pub(crate) trait Wrapped: Sized {
    /// The length of what `write` appends.
    fn encoded_len(&self) -> usize;
    fn write(&self, out: &mut impl Sink);
    fn read(bytes: &Bytes) -> Result<Self, BoxError>;
}

/// The wrapper message of `value`, written into the thread's arena.
pub(crate) fn wrapped_bytes<T: Wrapped>(value: &T) -> Bytes {
    arena::carve(value.encoded_len(), |out| value.write(out))
}

/// [`wrapped_bytes`] of a string slice.
pub(crate) fn str_bytes(text: &str) -> Bytes {
    arena::carve(str_len(text), |out| write_str(text, out))
}

fn str_len(text: &str) -> usize {
    if text.is_empty() {
        0
    } else {
        1 + encoded_len_varint(text.len() as u64) + text.len()
    }
}

fn write<T: Wrapped>(value: &T, out: &mut impl Sink) {
    value.write(out)
}

fn read<T: Wrapped>(bytes: &Bytes) -> Result<T, BoxError> {
    T::read(bytes)
}

impl Wrapped for bool {
    fn encoded_len(&self) -> usize {
        if *self { 2 } else { 0 }
    }

    fn write(&self, out: &mut impl Sink) {
        if *self {
            out.put(&[0x08, 0x01]);
        }
    }

    fn read(bytes: &Bytes) -> Result<Self, BoxError> {
        Ok(field_one(bytes)?
            .map(|f| f.varint(1))
            .transpose()?
            .is_some_and(|v| v != 0))
    }
}

impl Wrapped for i32 {
    fn encoded_len(&self) -> usize {
        if *self != 0 { 5 } else { 0 }
    }

    fn write(&self, out: &mut impl Sink) {
        if *self != 0 {
            out.put_u8(0x0D);
            out.put(&self.to_le_bytes());
        }
    }

    fn read(bytes: &Bytes) -> Result<Self, BoxError> {
        Ok(field_one(bytes)?
            .map(|f| f.fixed32(1))
            .transpose()?
            .unwrap_or(0) as i32)
    }
}

impl Wrapped for i64 {
    fn encoded_len(&self) -> usize {
        if *self != 0 { 9 } else { 0 }
    }

    fn write(&self, out: &mut impl Sink) {
        if *self != 0 {
            out.put_u8(0x09);
            out.put(&self.to_le_bytes());
        }
    }

    fn read(bytes: &Bytes) -> Result<Self, BoxError> {
        Ok(field_one(bytes)?
            .map(|f| f.fixed64(1))
            .transpose()?
            .unwrap_or(0) as i64)
    }
}

impl Wrapped for f32 {
    fn encoded_len(&self) -> usize {
        if self.to_bits() != 0 { 5 } else { 0 }
    }

    // The default test is on the bit pattern, so -0.0 keeps its sign as in the other SDKs.
    fn write(&self, out: &mut impl Sink) {
        if self.to_bits() != 0 {
            out.put_u8(0x0D);
            out.put(&self.to_le_bytes());
        }
    }

    fn read(bytes: &Bytes) -> Result<Self, BoxError> {
        Ok(f32::from_bits(
            field_one(bytes)?
                .map(|f| f.fixed32(1))
                .transpose()?
                .unwrap_or(0),
        ))
    }
}

impl Wrapped for f64 {
    fn encoded_len(&self) -> usize {
        if self.to_bits() != 0 { 9 } else { 0 }
    }

    fn write(&self, out: &mut impl Sink) {
        if self.to_bits() != 0 {
            out.put_u8(0x09);
            out.put(&self.to_le_bytes());
        }
    }

    fn read(bytes: &Bytes) -> Result<Self, BoxError> {
        Ok(f64::from_bits(
            field_one(bytes)?
                .map(|f| f.fixed64(1))
                .transpose()?
                .unwrap_or(0),
        ))
    }
}

impl Wrapped for String {
    fn encoded_len(&self) -> usize {
        str_len(self)
    }

    fn write(&self, out: &mut impl Sink) {
        write_str(self, out);
    }

    fn read(bytes: &Bytes) -> Result<Self, BoxError> {
        read_str(bytes).map(str::to_owned)
    }
}

/// The text of a `StringWrapper`, borrowed from its bytes.
pub(crate) fn read_str(bytes: &Bytes) -> Result<&str, BoxError> {
    match field_one(bytes)? {
        None => Ok(""),
        Some(field) => Ok(std::str::from_utf8(&bytes[field.bytes(1)?])?),
    }
}

/// Writes `text` as a `StringWrapper`, without needing an owned `String`.
pub(crate) fn write_str(text: &str, out: &mut impl Sink) {
    if !text.is_empty() {
        out.put_u8(0x0A);
        encode_varint(text.len() as u64, out);
        out.put(text.as_bytes());
    }
}

builtin_type!(
    /// `io.statefun.types/bool`: a `bool`.
    BoolType, bool, "io.statefun.types/bool"
);
builtin_type!(
    /// `io.statefun.types/int`: an `i32` (`sfixed32` on the wire).
    IntType, i32, "io.statefun.types/int"
);
builtin_type!(
    /// `io.statefun.types/long`: an `i64` (`sfixed64` on the wire).
    LongType, i64, "io.statefun.types/long"
);
builtin_type!(
    /// `io.statefun.types/float`: an `f32`.
    FloatType, f32, "io.statefun.types/float"
);
builtin_type!(
    /// `io.statefun.types/double`: an `f64`.
    DoubleType, f64, "io.statefun.types/double"
);
builtin_type!(
    /// `io.statefun.types/string`: a UTF-8 `String`.
    StringType, String, "io.statefun.types/string"
);

#[cfg(test)]
mod tests {
    use super::*;

    fn encode<T: Type>(ty: T, value: T::Value) -> Vec<u8> {
        let mut out = vec![];
        ty.serialize(&value, &mut out).unwrap();
        out
    }

    #[test]
    fn canonical_encodings() {
        assert_eq!(encode(IntType, 5), [0x0D, 5, 0, 0, 0]);
        assert_eq!(encode(IntType, -1), [0x0D, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(encode(IntType, 0), [] as [u8; 0]);
        assert_eq!(encode(LongType, 5), [0x09, 5, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(encode(LongType, 0), [] as [u8; 0]);
        assert_eq!(encode(BoolType, true), [0x08, 0x01]);
        assert_eq!(encode(BoolType, false), [] as [u8; 0]);
        assert_eq!(encode(FloatType, 1.5), [0x0D, 0, 0, 0xC0, 0x3F]);
        assert_eq!(encode(FloatType, 0.0), [] as [u8; 0]);
        assert_eq!(
            encode(DoubleType, 1.5),
            [0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F]
        );
        assert_eq!(encode(StringType, "hi".into()), [0x0A, 2, b'h', b'i']);
        assert_eq!(encode(StringType, String::new()), [] as [u8; 0]);
    }

    #[test]
    fn negative_zero_keeps_its_sign() {
        assert_eq!(encode(FloatType, -0.0), [0x0D, 0, 0, 0, 0x80]);
        assert_eq!(encode(DoubleType, -0.0), [0x09, 0, 0, 0, 0, 0, 0, 0, 0x80]);
        let back = FloatType
            .deserialize(Bytes::from_static(&[0x0D, 0, 0, 0, 0x80]))
            .unwrap();
        assert!(back == 0.0 && back.is_sign_negative());
    }

    #[test]
    fn explicit_defaults_and_unknown_fields_decode() {
        assert_eq!(
            IntType
                .deserialize(Bytes::from_static(&[0x0D, 0, 0, 0, 0]))
                .unwrap(),
            0
        );
        assert!(
            !BoolType
                .deserialize(Bytes::from_static(&[0x08, 0x00]))
                .unwrap()
        );
        assert_eq!(
            StringType
                .deserialize(Bytes::from_static(&[0x0A, 0x00]))
                .unwrap(),
            ""
        );
        assert_eq!(
            IntType
                .deserialize(Bytes::from_static(&[0x10, 0x01, 0x0D, 7, 0, 0, 0]))
                .unwrap(),
            7
        );
        assert_eq!(LongType.deserialize(Bytes::new()).unwrap(), 0);
    }

    #[test]
    fn wrong_wire_type_is_an_error() {
        let error = IntType
            .deserialize(Bytes::from_static(&[0x08, 0x01]))
            .unwrap_err();
        assert!(error.to_string().contains("expected 32-bit"), "{error}");
        let error = StringType
            .deserialize(Bytes::from_static(&[0x0A, 0x01, 0xFF]))
            .unwrap_err();
        assert!(error.to_string().contains("utf-8"), "{error}");
    }

    #[test]
    fn round_trips_extremes() {
        for v in [i32::MIN, -1, 1, i32::MAX] {
            assert_eq!(IntType.deserialize(encode(IntType, v).into()).unwrap(), v);
        }
        for v in [i64::MIN, i64::MAX] {
            assert_eq!(LongType.deserialize(encode(LongType, v).into()).unwrap(), v);
        }
        for v in [f64::MAX, f64::MIN_POSITIVE, 5e-324] {
            assert_eq!(
                DoubleType
                    .deserialize(encode(DoubleType, v).into())
                    .unwrap(),
                v
            );
        }
        let text = "NUL\0 🚀 \u{2028}".to_owned();
        assert_eq!(
            StringType
                .deserialize(encode(StringType, text.clone()).into())
                .unwrap(),
            text
        );
    }
}
