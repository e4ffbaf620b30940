use std::ops::Range;

use bytes::Bytes;

/// What is wrong with malformed protobuf bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum WireError {
    #[error("truncated varint at byte {0}")]
    TruncatedVarint(usize),
    #[error("varint longer than 10 bytes at byte {0}")]
    VarintTooLong(usize),
    #[error("field {field} claims {length} bytes at byte {at}, but only {left} remain")]
    TruncatedField {
        field: u32,
        length: u64,
        at: usize,
        left: usize,
    },
    #[error("field number 0 at byte {0}")]
    ZeroFieldNumber(usize),
    #[error("unsupported wire type {wire_type} (field {field}) at byte {at}")]
    UnsupportedWireType {
        wire_type: u64,
        field: u32,
        at: usize,
    },
    #[error("field {field} has wire type {actual}, expected {expected}")]
    WrongWireType {
        field: u32,
        expected: &'static str,
        actual: &'static str,
    },
    #[error("field {0} is not valid UTF-8")]
    NotUtf8(&'static str),
}

/// One field's value as it appears on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    /// A length-delimited field: its range within the reader's buffer.
    Bytes(Range<usize>),
}

impl Field {
    fn wire_name(&self) -> &'static str {
        match self {
            Field::Varint(_) => "varint",
            Field::Fixed64(_) => "64-bit",
            Field::Fixed32(_) => "32-bit",
            Field::Bytes(_) => "length-delimited",
        }
    }

    pub(crate) fn varint(&self, field: u32) -> Result<u64, WireError> {
        match self {
            Field::Varint(v) => Ok(*v),
            other => Err(WireError::WrongWireType {
                field,
                expected: "varint",
                actual: other.wire_name(),
            }),
        }
    }

    pub(crate) fn fixed32(&self, field: u32) -> Result<u32, WireError> {
        match self {
            Field::Fixed32(v) => Ok(*v),
            other => Err(WireError::WrongWireType {
                field,
                expected: "32-bit",
                actual: other.wire_name(),
            }),
        }
    }

    pub(crate) fn fixed64(&self, field: u32) -> Result<u64, WireError> {
        match self {
            Field::Fixed64(v) => Ok(*v),
            other => Err(WireError::WrongWireType {
                field,
                expected: "64-bit",
                actual: other.wire_name(),
            }),
        }
    }

    pub(crate) fn range(&self, field: u32) -> Result<Range<usize>, WireError> {
        match self {
            Field::Bytes(range) => Ok(range.clone()),
            other => Err(WireError::WrongWireType {
                field,
                expected: "length-delimited",
                actual: other.wire_name(),
            }),
        }
    }
}

/// Reads the fields of one message within `buf[pos..end]`.
pub(crate) struct Reader<'a> {
    buf: &'a Bytes,
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a Bytes) -> Self {
        Reader {
            buf,
            pos: 0,
            end: buf.len(),
        }
    }

    /// A reader of the message stored at `range` of the same buffer.
    pub(crate) fn nested(&self, range: Range<usize>) -> Reader<'a> {
        Reader {
            buf: self.buf,
            pos: range.start,
            end: range.end,
        }
    }

    /// The bytes at `range`, borrowed.
    pub(crate) fn bytes(&self, range: Range<usize>) -> &'a [u8] {
        &self.buf[range]
    }

    pub(crate) fn slice(&self, range: Range<usize>) -> Bytes {
        self.buf.slice(range)
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<u64, WireError> {
        // Keys, lengths and flags of this protocol are nearly always below 128.
        if let Some(&byte) = self.buf[..self.end].get(self.pos)
            && byte < 0x80
        {
            self.pos += 1;
            return Ok(u64::from(byte));
        }
        self.varint_slow()
    }

    #[cold]
    fn varint_slow(&mut self) -> Result<u64, WireError> {
        let start = self.pos;
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            if self.pos >= self.end {
                return Err(WireError::TruncatedVarint(start));
            }
            let byte = self.buf[self.pos];
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift.min(63);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(WireError::VarintTooLong(start))
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
            _ => Err(WireError::TruncatedField {
                field,
                length,
                at: self.pos,
                left,
            }),
        }
    }

    /// The next field as (field number, value), or `None` at the end of the message.
    /// Groups (wire types 3 and 4, unused by proto3) are rejected.
    // Inlined into each decoding loop: the call and its large `Result` cost more than the
    // work for the short fields of this protocol.
    #[inline(always)]
    pub(crate) fn next_field(&mut self) -> Result<Option<(u32, Field)>, WireError> {
        if self.pos >= self.end {
            return Ok(None);
        }
        let at = self.pos;
        let key = self.varint()?;
        let field = u32::try_from(key >> 3).unwrap_or(u32::MAX);
        if field == 0 {
            return Err(WireError::ZeroFieldNumber(at));
        }
        let value = match key & 7 {
            0 => Field::Varint(self.varint()?),
            1 => {
                let range = self.take(field, 8)?;
                Field::Fixed64(u64::from_le_bytes(
                    self.buf[range].try_into().expect("8 bytes"),
                ))
            }
            2 => {
                let length = self.varint()?;
                Field::Bytes(self.take(field, length)?)
            }
            5 => {
                let range = self.take(field, 4)?;
                Field::Fixed32(u32::from_le_bytes(
                    self.buf[range].try_into().expect("4 bytes"),
                ))
            }
            wire_type => {
                return Err(WireError::UnsupportedWireType {
                    wire_type,
                    field,
                    at,
                });
            }
        };
        Ok(Some((field, value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(bytes: &'static [u8]) -> Result<Vec<(u32, Field)>, WireError> {
        let buf = Bytes::from_static(bytes);
        let mut reader = Reader::new(&buf);
        let mut out = vec![];
        while let Some(field) = reader.next_field()? {
            out.push(field);
        }
        Ok(out)
    }

    #[test]
    fn reads_every_wire_type() {
        let parsed = fields(&[
            0x08, 0x96, 0x01, 0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0x1A, 2, b'h', b'i', 0x25, 2, 0, 0, 0,
        ])
        .unwrap();
        assert_eq!(
            parsed,
            vec![
                (1, Field::Varint(150)),
                (2, Field::Fixed64(1)),
                (3, Field::Bytes(14..16)),
                (4, Field::Fixed32(2)),
            ]
        );
    }

    #[test]
    fn names_truncation_and_bad_wire_types() {
        assert_eq!(fields(&[0x08]), Err(WireError::TruncatedVarint(1)));
        assert!(matches!(
            fields(&[0x0A, 5, 1]),
            Err(WireError::TruncatedField {
                field: 1,
                length: 5,
                ..
            })
        ));
        assert!(matches!(
            fields(&[0x0B]),
            Err(WireError::UnsupportedWireType { wire_type: 3, .. })
        ));
        assert_eq!(fields(&[0x00]), Err(WireError::ZeroFieldNumber(0)));
        assert!(matches!(
            fields(&[
                0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01
            ]),
            Err(WireError::VarintTooLong(1))
        ));
    }
}
