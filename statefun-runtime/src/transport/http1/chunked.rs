//! A `Transfer-Encoding: chunked` body, decoded as hyper's client decodes it (hyper 1.x,
//! `proto/h1/decode.rs`), so that a function answer the runtime takes is one hyper takes
//! and the other way round:
//!
//! - a chunk-size line is one or more hex digits (any number of leading zeros, no
//!   overflow of a `u64`), optional spaces or tabs, an optional `;` extension of any bytes
//!   but a bare LF, then CRLF;
//! - chunk data ends with CRLF;
//! - the extensions of one body hold fewer than 16 KiB in all;
//! - trailer fields are parsed (`httparse::parse_headers`) and must be valid header
//!   fields: at most 100 lines, fewer than 16 KiB with the final CRLF.
//!
//! The decoder works on what the read buffer holds and copies chunk data as it arrives,
//! so a chunk size never reserves memory the data has not brought.

use bytes::{Buf, BytesMut};

/// The extension bytes a body may hold in all, exclusive (hyper's `CHUNKED_EXTENSIONS_LIMIT`).
const EXTENSIONS_LIMIT: u64 = 16 * 1024;
/// The trailer section's size, exclusive (hyper's `TRAILER_LIMIT`).
const TRAILERS_LIMIT: usize = 16 * 1024;
/// The trailer fields accepted (hyper's default `h1_max_headers`).
const MAX_TRAILERS: usize = 100;

/// Where the decoder is in the body; the names follow hyper's `ChunkedState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a chunk size's first digit.
    Start,
    Size,
    /// Spaces or tabs after the size.
    SizeLws,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    Trailer,
    TrailerLf,
    /// After the last chunk's size line or a trailer line: CR, or a trailer.
    EndCr,
    EndLf,
    End,
}

/// Why a chunked body is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum ChunkError {
    #[error("a chunk size line without a size digit")]
    MissingSize,
    #[error("an invalid byte in a chunk size line")]
    SizeLine,
    #[error("a chunk size over 2^64 - 1")]
    Overflow,
    #[error("a newline in a chunk extension")]
    ExtensionNewline,
    #[error("chunk extensions of 16 KiB or more")]
    ExtensionsTooLong,
    #[error("chunk data not ended by CRLF")]
    DataEnd,
    #[error("a trailer line not ended by CRLF")]
    TrailerEnd,
    #[error("more than 100 trailer fields")]
    TooManyTrailers,
    #[error("a trailer section of 16 KiB or more")]
    TrailersTooLong,
    #[error("invalid trailer fields")]
    Trailers,
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
}

/// A chunked body being decoded.
#[derive(Debug)]
pub(super) struct Chunked {
    state: State,
    /// The chunk size being read, then the chunk data still to come.
    size: u64,
    extension_bytes: u64,
    /// The trailer section read so far, once there is one.
    trailers: Option<Vec<u8>>,
    trailer_lines: usize,
}

impl Chunked {
    pub fn new() -> Self {
        Self {
            state: State::Start,
            size: 0,
            extension_bytes: 0,
            trailers: None,
            trailer_lines: 0,
        }
    }

    /// Consumes what `input` holds of the body, appending chunk data to `body`, which may
    /// grow to `limit` bytes. Returns whether the body is complete; when it is, `input`
    /// holds what followed it.
    pub fn decode(
        &mut self,
        input: &mut BytesMut,
        body: &mut BytesMut,
        limit: usize,
    ) -> Result<bool, ChunkError> {
        let mut at = 0;
        let result = self.step(input, &mut at, body, limit);
        input.advance(at);
        result
    }

    fn step(
        &mut self,
        input: &mut BytesMut,
        at: &mut usize,
        body: &mut BytesMut,
        limit: usize,
    ) -> Result<bool, ChunkError> {
        use State::*;
        while self.state != End {
            if self.state == Data {
                let available = input.len() - *at;
                if available == 0 {
                    return Ok(false);
                }
                let take = usize::try_from(self.size).map_or(available, |size| size.min(available));
                body.extend_from_slice(&input[*at..*at + take]);
                *at += take;
                self.size -= take as u64;
                if self.size == 0 {
                    self.state = DataCr;
                }
                continue;
            }
            let Some(&byte) = input.get(*at) else {
                return Ok(false);
            };
            *at += 1;
            self.state = match (self.state, byte) {
                (Start | Size, _) if byte.is_ascii_hexdigit() => {
                    let digit = u64::from(char::from(byte).to_digit(16).expect("a hex digit"));
                    self.size = self
                        .size
                        .checked_mul(16)
                        .and_then(|size| size.checked_add(digit))
                        .ok_or(ChunkError::Overflow)?;
                    Size
                }
                (Start, _) => return Err(ChunkError::MissingSize),
                (Size | SizeLws, b'\t' | b' ') => SizeLws,
                (Size | SizeLws, b';') => Extension,
                (Size | SizeLws | Extension, b'\r') => SizeLf,
                (Size | SizeLws, _) => return Err(ChunkError::SizeLine),
                (Extension, b'\n') => return Err(ChunkError::ExtensionNewline),
                (Extension, _) => {
                    self.extension_bytes += 1;
                    if self.extension_bytes >= EXTENSIONS_LIMIT {
                        return Err(ChunkError::ExtensionsTooLong);
                    }
                    Extension
                }
                (SizeLf, b'\n') if self.size == 0 => EndCr,
                (SizeLf, b'\n') => {
                    if usize::try_from(self.size)
                        .ok()
                        .and_then(|size| size.checked_add(body.len()))
                        .is_none_or(|total| total > limit)
                    {
                        return Err(ChunkError::TooLarge(limit));
                    }
                    Data
                }
                (SizeLf, _) => return Err(ChunkError::SizeLine),
                (DataCr, b'\r') => DataLf,
                (DataLf, b'\n') => Start,
                (DataCr | DataLf, _) => return Err(ChunkError::DataEnd),
                (Trailer, _) => {
                    self.push_trailer(byte)?;
                    if byte == b'\r' { TrailerLf } else { Trailer }
                }
                (TrailerLf, b'\n') => {
                    if self.trailer_lines >= MAX_TRAILERS {
                        return Err(ChunkError::TooManyTrailers);
                    }
                    self.trailer_lines += 1;
                    self.push_trailer(byte)?;
                    EndCr
                }
                (TrailerLf, _) => return Err(ChunkError::TrailerEnd),
                (EndCr, b'\r') => {
                    if self.trailers.is_some() {
                        self.push_trailer(byte)?;
                    }
                    EndLf
                }
                (EndCr, _) => {
                    self.trailers.get_or_insert_with(Vec::new);
                    self.push_trailer(byte)?;
                    Trailer
                }
                (EndLf, b'\n') => {
                    if self.trailers.is_some() {
                        self.push_trailer(byte)?;
                        let trailers = self.trailers.take().expect("a trailer section");
                        check_trailers(&trailers, self.trailer_lines)?;
                    }
                    End
                }
                (EndLf, _) => return Err(ChunkError::TrailerEnd),
                (Data | End, _) => unreachable!("handled above"),
            };
        }
        Ok(true)
    }

    fn push_trailer(&mut self, byte: u8) -> Result<(), ChunkError> {
        let trailers = self.trailers.as_mut().expect("a trailer section");
        trailers.push(byte);
        if trailers.len() >= TRAILERS_LIMIT {
            return Err(ChunkError::TrailersTooLong);
        }
        Ok(())
    }
}

/// Whether the trailer section parses as `lines` header fields that `http` takes.
fn check_trailers(section: &[u8], lines: usize) -> Result<(), ChunkError> {
    let mut fields = vec![httparse::EMPTY_HEADER; lines];
    match httparse::parse_headers(section, &mut fields) {
        Ok(httparse::Status::Complete((_, fields))) => {
            let valid = fields.iter().all(|field| {
                http::HeaderName::from_bytes(field.name.as_bytes()).is_ok()
                    && http::HeaderValue::from_bytes(field.value).is_ok()
            });
            valid.then_some(()).ok_or(ChunkError::Trailers)
        }
        Ok(httparse::Status::Partial) | Err(_) => Err(ChunkError::Trailers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `body` whole, then again fed one byte at a time, and checks both agree.
    fn decode(body: &[u8]) -> Result<Vec<u8>, ChunkError> {
        let whole = {
            let mut input = BytesMut::from(body);
            let mut out = BytesMut::new();
            match Chunked::new().decode(&mut input, &mut out, 1 << 20) {
                Ok(true) => Ok(out.to_vec()),
                Ok(false) => Err(ChunkError::DataEnd),
                Err(error) => Err(error),
            }
        };
        let mut decoder = Chunked::new();
        let mut input = BytesMut::new();
        let mut out = BytesMut::new();
        let mut bytewise = Err(ChunkError::DataEnd);
        for &byte in body {
            input.extend_from_slice(&[byte]);
            match decoder.decode(&mut input, &mut out, 1 << 20) {
                Ok(false) => {}
                Ok(true) => {
                    bytewise = Ok(out.to_vec());
                    break;
                }
                Err(error) => {
                    bytewise = Err(error);
                    break;
                }
            }
        }
        assert_eq!(whole, bytewise, "{}", body.escape_ascii());
        whole
    }

    #[test]
    fn well_formed_bodies_decode() {
        assert_eq!(decode(b"3\r\nabc\r\n0\r\n\r\n").unwrap(), b"abc");
        assert_eq!(
            decode(b"2;a=b\r\nab\r\n1 \t;x\r\nc\r\n0\r\n\r\n").unwrap(),
            b"abc"
        );
        assert_eq!(
            decode(b"0000000000000000000001\r\nz\r\n0\r\n\r\n").unwrap(),
            b"z"
        );
        assert_eq!(
            decode(b"A\r\n0123456789\r\n0\r\n\r\n").unwrap(),
            b"0123456789"
        );
        assert_eq!(decode(b"0\r\nx-a: 1\r\nx-b: \r\n\r\n").unwrap(), b"");
    }

    #[test]
    fn chunk_size_lines_are_as_strict_as_hyper() {
        for (body, error) in [
            (&b"\r\n\r\n"[..], ChunkError::MissingSize),
            (b";ext\r\n0\r\n\r\n", ChunkError::MissingSize),
            (b" 1\r\na\r\n0\r\n\r\n", ChunkError::MissingSize),
            (b"1 2\r\nab\r\n0\r\n\r\n", ChunkError::SizeLine),
            (b"1\n\r\na\r\n0\r\n\r\n", ChunkError::SizeLine),
            (b"1\ra\r\n0\r\n\r\n", ChunkError::SizeLine),
            (b"1;a\nb\r\nx\r\n0\r\n\r\n", ChunkError::ExtensionNewline),
            (b"10000000000000000\r\n", ChunkError::Overflow),
            (b"1\r\nab\r\n0\r\n\r\n", ChunkError::DataEnd),
            (b"1\r\na\n0\r\n\r\n", ChunkError::DataEnd),
        ] {
            assert_eq!(decode(body), Err(error), "{}", body.escape_ascii());
        }
        let mut long = b"1;".to_vec();
        long.extend(std::iter::repeat_n(b'x', 16 * 1024));
        assert_eq!(decode(&long), Err(ChunkError::ExtensionsTooLong));
    }

    #[test]
    fn trailers_must_be_header_fields() {
        for (body, error) in [
            (&b"0\r\nnot a field\r\n\r\n"[..], ChunkError::Trailers),
            (b"0\r\n: empty name\r\n\r\n", ChunkError::Trailers),
            (b"0\r\nx-a: 1\nx-b: 2\r\n\r\n", ChunkError::Trailers),
            (b"0\r\nx-a: 1\r\r\n", ChunkError::TrailerEnd),
            (b"0\r\n\rx", ChunkError::TrailerEnd),
        ] {
            assert_eq!(decode(body), Err(error), "{}", body.escape_ascii());
        }
        let many = format!("0\r\n{}\r\n", "x: y\r\n".repeat(101));
        assert_eq!(decode(many.as_bytes()), Err(ChunkError::TooManyTrailers));
        let long = format!("0\r\nx: {}\r\n\r\n", "y".repeat(16 * 1024));
        assert_eq!(decode(long.as_bytes()), Err(ChunkError::TrailersTooLong));
    }

    #[test]
    fn a_chunk_over_the_limit_is_refused_before_its_data() {
        let mut input = BytesMut::from(&b"ffffffff\r\n"[..]);
        let mut body = BytesMut::new();
        assert_eq!(
            Chunked::new().decode(&mut input, &mut body, 1024),
            Err(ChunkError::TooLarge(1024))
        );
        assert_eq!(body.capacity(), 0);
    }

    #[test]
    fn what_follows_the_body_stays_in_the_input() {
        let mut input = BytesMut::from(&b"1\r\na\r\n0\r\n\r\nHTTP/1.1"[..]);
        let mut body = BytesMut::new();
        assert_eq!(Chunked::new().decode(&mut input, &mut body, 1024), Ok(true));
        assert_eq!(&input[..], b"HTTP/1.1");
    }
}
