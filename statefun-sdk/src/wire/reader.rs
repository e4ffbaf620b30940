//! The wire core's reader over a request's `Bytes`, so that what is read can be kept as
//! slices of the request rather than copies.

use std::ops::Range;

use bytes::Bytes;
use statefun_protocol::wire;

pub(crate) use statefun_protocol::wire::{Value as Field, WireError};

/// Reads the fields of one message of `buf`.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a Bytes,
    fields: wire::Reader<'a>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a Bytes) -> Self {
        Reader {
            buf,
            fields: wire::Reader::new(buf),
        }
    }

    /// A reader of the message stored at `range` of the same buffer.
    #[inline]
    pub(crate) fn nested(&self, range: Range<usize>) -> Reader<'a> {
        Reader {
            buf: self.buf,
            fields: self.fields.nested(range),
        }
    }

    /// The bytes at `range`, borrowed.
    #[inline]
    pub(crate) fn bytes(&self, range: Range<usize>) -> &'a [u8] {
        &self.buf[range]
    }

    /// The bytes at `range`, sharing the buffer.
    #[inline]
    pub(crate) fn slice(&self, range: Range<usize>) -> Bytes {
        self.buf.slice(range)
    }

    /// Where the next field starts.
    #[inline]
    pub(crate) fn position(&self) -> usize {
        self.fields.position()
    }

    #[inline(always)]
    pub(crate) fn next_field(&mut self) -> Result<Option<(u32, Field)>, WireError> {
        self.fields.next_field()
    }
}
