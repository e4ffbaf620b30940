//! Fields of one message, read in place.

use std::fmt;
use std::ops::Range;

use super::WireError;
use super::error::Inner;
use super::varint::decode_varint_at;

/// How deep messages and groups may nest, counted as prost counts them: the fields of the
/// outermost message are at depth 0, a nested message's fields one deeper, and so are the
/// fields inside a group.
pub const RECURSION_LIMIT: u32 = 100;

/// The six wire types of the protobuf encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireType {
    /// A varint: integers, booleans and enums.
    Varint = 0,
    /// Eight little-endian bytes.
    Fixed64 = 1,
    /// A length, then that many bytes: strings, bytes, messages, packed fields.
    LengthDelimited = 2,
    /// The start of a group (proto2), ended by an [`EndGroup`](Self::EndGroup) key.
    StartGroup = 3,
    /// The end of a group.
    EndGroup = 4,
    /// Four little-endian bytes.
    Fixed32 = 5,
}

impl WireType {
    fn name(self) -> &'static str {
        match self {
            WireType::Varint => "varint",
            WireType::Fixed64 => "64-bit",
            WireType::LengthDelimited => "length-delimited",
            WireType::StartGroup => "start-group",
            WireType::EndGroup => "end-group",
            WireType::Fixed32 => "32-bit",
        }
    }
}

impl fmt::Display for WireType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The key of a field: its number and wire type, as one varint.
#[inline]
pub const fn key(field: u32, wire_type: WireType) -> u64 {
    ((field as u64) << 3) | wire_type as u64
}

/// One field's value as it appears on the wire. Ranges are offsets into the buffer the
/// [`Reader`] was made with (the outermost one, also for nested readers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A varint, as unsigned 64 bits; `as i64` / `as i32` / `!= 0` give the signed, enum
    /// and boolean readings prost makes of it.
    Varint(u64),
    /// A 64-bit field.
    Fixed64(u64),
    /// A 32-bit field.
    Fixed32(u32),
    /// A length-delimited field: where its bytes are.
    Bytes(Range<usize>),
    /// A group, already checked and skipped: where its fields are, without its end key.
    Group(Range<usize>),
}

impl Value {
    /// Its wire type.
    pub fn wire_type(&self) -> WireType {
        match self {
            Value::Varint(_) => WireType::Varint,
            Value::Fixed64(_) => WireType::Fixed64,
            Value::Fixed32(_) => WireType::Fixed32,
            Value::Bytes(_) => WireType::LengthDelimited,
            Value::Group(_) => WireType::StartGroup,
        }
    }

    fn wrong(&self, field: u32, expected: WireType) -> WireError {
        Inner::WrongWireType {
            field,
            expected,
            actual: self.wire_type(),
        }
        .into()
    }

    /// The varint of field number `field`, or the error prost gives for another wire type.
    #[inline]
    pub fn varint(&self, field: u32) -> Result<u64, WireError> {
        match self {
            Value::Varint(value) => Ok(*value),
            other => Err(other.wrong(field, WireType::Varint)),
        }
    }

    /// The 64-bit value of field number `field`.
    #[inline]
    pub fn fixed64(&self, field: u32) -> Result<u64, WireError> {
        match self {
            Value::Fixed64(value) => Ok(*value),
            other => Err(other.wrong(field, WireType::Fixed64)),
        }
    }

    /// The 32-bit value of field number `field`.
    #[inline]
    pub fn fixed32(&self, field: u32) -> Result<u32, WireError> {
        match self {
            Value::Fixed32(value) => Ok(*value),
            other => Err(other.wrong(field, WireType::Fixed32)),
        }
    }

    /// Where the bytes of length-delimited field number `field` are.
    #[inline]
    pub fn bytes(&self, field: u32) -> Result<Range<usize>, WireError> {
        match self {
            Value::Bytes(range) => Ok(range.clone()),
            other => Err(other.wrong(field, WireType::LengthDelimited)),
        }
    }
}

/// Reads the fields of one message, in order, from a part of a buffer.
///
/// Every field is read whole: a length-delimited field's length is checked against the
/// message's end, and a group is skipped to its matching end key (its contents checked as
/// prost checks skipped fields). A caller reads the fields it knows with the accessors of
/// [`Value`] and ignores the others, which is how protobuf skips unknown fields.
///
/// ```
/// use statefun_protocol::wire::{Reader, Value};
///
/// // field 1 = 150 (varint), field 2 = "hi", field 3 = an empty group
/// let buf = [0x08, 0x96, 0x01, 0x12, 2, b'h', b'i', 0x1B, 0x1C];
/// let mut reader = Reader::new(&buf);
/// assert_eq!(reader.next_field().unwrap(), Some((1, Value::Varint(150))));
/// let (number, value) = reader.next_field().unwrap().unwrap();
/// assert_eq!(reader.bytes(value.bytes(number).unwrap()), b"hi");
/// assert_eq!(reader.next_field().unwrap(), Some((3, Value::Group(8..8))));
/// assert_eq!(reader.next_field().unwrap(), None);
/// ```
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
    depth: u32,
}

impl<'a> Reader<'a> {
    /// A reader of the message that is all of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            end: buf.len(),
            depth: 0,
        }
    }

    /// A reader of the message nested at `range` of the same buffer (a range a
    /// [`Value::Bytes`] of this reader gave).
    #[inline]
    pub fn nested(&self, range: Range<usize>) -> Reader<'a> {
        debug_assert!(range.end <= self.end);
        Reader {
            buf: self.buf,
            pos: range.start,
            end: range.end,
            depth: self.depth + 1,
        }
    }

    /// The bytes at `range` of the buffer.
    #[inline]
    pub fn bytes(&self, range: Range<usize>) -> &'a [u8] {
        &self.buf[range]
    }

    /// The string at `range` of the buffer, or [`WireErrorKind::NotUtf8`] naming `what`.
    ///
    /// [`WireErrorKind::NotUtf8`]: super::WireErrorKind::NotUtf8
    #[inline]
    pub fn str(&self, range: Range<usize>, what: &'static str) -> Result<&'a str, WireError> {
        super::utf8(self.bytes(range), what)
    }

    /// The offset of the next field in the buffer.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Whether every field has been read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<u64, WireError> {
        let (value, len) = decode_varint_at(&self.buf[self.pos..self.end], self.pos)?;
        self.pos += len;
        Ok(value)
    }

    #[inline]
    fn take(&mut self, field: u32, length: u64) -> Result<Range<usize>, WireError> {
        let left = self.end - self.pos;
        match usize::try_from(length) {
            Ok(length) if length <= left => {
                let range = self.pos..self.pos + length;
                self.pos += length;
                Ok(range)
            }
            _ => Err(Inner::TruncatedField {
                field,
                length,
                at: self.pos,
                left,
            }
            .into()),
        }
    }

    /// A key: field number (1 to 2²⁹ − 1) and wire type number.
    #[inline(always)]
    fn key(&mut self) -> Result<(u32, u8), WireError> {
        let at = self.pos;
        let key = self.varint()?;
        let Ok(key) = u32::try_from(key) else {
            return Err(Inner::InvalidKey(at).into());
        };
        let field = key >> 3;
        if field == 0 {
            return Err(Inner::ZeroFieldNumber(at).into());
        }
        Ok((field, (key & 7) as u8))
    }

    /// The next field as (field number, value), or `None` at the end of the message.
    // Inlined into each decoding loop: the call and its large `Result` cost more than the
    // work for the short fields of StateFun's messages.
    #[inline(always)]
    pub fn next_field(&mut self) -> Result<Option<(u32, Value)>, WireError> {
        if self.pos >= self.end {
            return Ok(None);
        }
        let at = self.pos;
        let (field, wire_type) = self.key()?;
        self.value(field, wire_type, at)
            .map(|value| Some((field, value)))
    }

    #[inline(always)]
    fn value(&mut self, field: u32, wire_type: u8, at: usize) -> Result<Value, WireError> {
        Ok(match wire_type {
            0 => Value::Varint(self.varint()?),
            1 => {
                let range = self.take(field, 8)?;
                Value::Fixed64(u64::from_le_bytes(
                    self.buf[range].try_into().expect("8 bytes"),
                ))
            }
            2 => {
                let length = self.varint()?;
                Value::Bytes(self.take(field, length)?)
            }
            5 => {
                let range = self.take(field, 4)?;
                Value::Fixed32(u32::from_le_bytes(
                    self.buf[range].try_into().expect("4 bytes"),
                ))
            }
            3 => self.group(field, at)?,
            4 => return Err(Inner::UnexpectedEndGroup { field, at }.into()),
            wire_type => {
                return Err(Inner::InvalidWireType {
                    wire_type,
                    field,
                    at,
                }
                .into());
            }
        })
    }

    /// Skips the group started by field `field` at `at`, to its end key.
    #[cold]
    fn group(&mut self, field: u32, at: usize) -> Result<Value, WireError> {
        self.skip_group(field, at, 1)
    }

    fn skip_group(&mut self, field: u32, at: usize, level: u32) -> Result<Value, WireError> {
        let start = self.pos;
        loop {
            if self.pos >= self.end {
                return Err(Inner::UnterminatedGroup { field, at }.into());
            }
            let inner_at = self.pos;
            let (inner, wire_type) = self.key()?;
            if wire_type == 4 {
                if inner != field {
                    return Err(Inner::UnexpectedEndGroup {
                        field: inner,
                        at: inner_at,
                    }
                    .into());
                }
                return Ok(Value::Group(start..inner_at));
            }
            // prost checks its limit before skipping each field inside a group.
            if self.depth + level >= RECURSION_LIMIT {
                return Err(Inner::RecursionLimit {
                    limit: RECURSION_LIMIT,
                    at: inner_at,
                }
                .into());
            }
            if wire_type == 3 {
                self.skip_group(inner, inner_at, level + 1)?;
            } else {
                self.value(inner, wire_type, inner_at)?;
            }
        }
    }
}
