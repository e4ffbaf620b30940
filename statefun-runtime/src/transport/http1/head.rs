//! The head of a function's HTTP/1.x response: status, body framing, keep-alive and the
//! content type, decided as hyper's client decides them (RFC 9112 §6.3).

use std::mem::MaybeUninit;

use http::StatusCode;

/// As many headers as hyper's client accepts.
const MAX_HEADERS: usize = 100;

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// Exactly this many bytes (none for 204 and 304).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the server closes the connection.
    UntilClose,
}

/// A complete response head.
#[derive(Debug)]
pub(super) struct Head {
    pub status: StatusCode,
    pub framing: Framing,
    /// Whether the connection may carry another request after this response.
    pub keep_alive: bool,
    /// Whether `Content-Type` lists `application/octet-stream`.
    pub octet_stream: bool,
    /// The first `Content-Type`, for the error when it is not `application/octet-stream`.
    pub content_type: Option<String>,
}

/// What the bytes read so far hold.
#[derive(Debug)]
pub(super) enum Parsed {
    /// A final response head of this many bytes.
    Complete(Head, usize),
    /// An informational (1xx) response head of this many bytes, to skip.
    Informational(usize),
    /// Not a whole head yet.
    Partial,
}

/// Why a response head is unusable.
#[derive(Debug, thiserror::Error)]
pub(super) enum HeadError {
    #[error("invalid response head: {0}")]
    Syntax(#[from] httparse::Error),
    #[error("invalid response status {0}")]
    Status(u16),
    #[error("invalid Content-Length")]
    ContentLength,
    #[error("Transfer-Encoding in an HTTP/1.0 response")]
    TransferEncoding,
}

pub(super) fn parse(bytes: &[u8]) -> Result<Parsed, HeadError> {
    // Uninitialized: clearing 100 header slots cost more than parsing a few headers.
    let mut headers = [const { MaybeUninit::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let parsed = httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        bytes,
        &mut headers,
    )?;
    let len = match parsed {
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial => return Ok(Parsed::Partial),
    };
    let code = response.code.expect("httparse completed");
    let status = StatusCode::from_u16(code).map_err(|_| HeadError::Status(code))?;
    if status.is_informational() && status != StatusCode::SWITCHING_PROTOCOLS {
        return Ok(Parsed::Informational(len));
    }
    let http11 = response.version == Some(1);
    let mut keep_alive = http11;
    let mut saw_close = false;
    let mut transfer_encoding: Option<&[u8]> = None;
    let mut content_length: Option<Result<u64, HeadError>> = None;
    let mut octet_stream = false;
    let mut first_content_type = None;
    for header in response.headers.iter() {
        let name = header.name;
        let value = header.value;
        if name.eq_ignore_ascii_case("connection") {
            // Once any `Connection` asks to close, a later `keep-alive` does not undo it.
            if saw_close || has_token(value, "close") {
                saw_close = true;
                keep_alive = false;
            } else if !keep_alive {
                keep_alive = has_token(value, "keep-alive");
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // Chunked must be the last coding of the last header.
            transfer_encoding = Some(value);
        } else if name.eq_ignore_ascii_case("content-length") {
            content_length = Some(match content_length {
                None => parse_content_length(value),
                Some(Ok(seen)) => match parse_content_length(value) {
                    Ok(length) if length == seen => Ok(seen),
                    _ => Err(HeadError::ContentLength),
                },
                Some(Err(error)) => Err(error),
            });
        } else if name.eq_ignore_ascii_case("content-type") {
            octet_stream = octet_stream || lists_octet_stream(value);
            first_content_type.get_or_insert(value);
        }
    }
    // Only an error names the content type.
    let content_type = match octet_stream {
        true => None,
        false => first_content_type.map(|value| String::from_utf8_lossy(value).into_owned()),
    };
    let framing = match status.as_u16() {
        101 => {
            keep_alive = false;
            Framing::Length(0)
        }
        204 | 304 => Framing::Length(0),
        _ => match (transfer_encoding, content_length) {
            (Some(_), _) if !http11 => return Err(HeadError::TransferEncoding),
            (Some(codings), _) if last_coding_is_chunked(codings) => Framing::Chunked,
            (Some(_), _) => Framing::UntilClose,
            (None, Some(length)) => Framing::Length(length?),
            (None, None) => Framing::UntilClose,
        },
    };
    if framing == Framing::UntilClose {
        keep_alive = false;
    }
    Ok(Parsed::Complete(
        Head {
            status,
            framing,
            keep_alive,
            octet_stream,
            content_type,
        },
        len,
    ))
}

/// A header value as `HeaderValue::to_str` reads it: visible ASCII (and tabs) only.
fn visible_ascii(value: &[u8]) -> Option<&str> {
    value
        .iter()
        .all(|&b| (32..127).contains(&b) || b == b'\t')
        .then(|| std::str::from_utf8(value).expect("ASCII is UTF-8"))
}

fn has_token(value: &[u8], token: &str) -> bool {
    visible_ascii(value).is_some_and(|value| {
        value
            .split(',')
            .any(|item| item.trim().eq_ignore_ascii_case(token))
    })
}

fn last_coding_is_chunked(value: &[u8]) -> bool {
    visible_ascii(value)
        .and_then(|value| value.rsplit(',').next())
        .is_some_and(|coding| coding.trim().eq_ignore_ascii_case("chunked"))
}

/// A `Content-Length` value: digits, or a list of equal digits.
fn parse_content_length(value: &[u8]) -> Result<u64, HeadError> {
    if let Some(length) = digits(value) {
        return Ok(length);
    }
    let value = visible_ascii(value).ok_or(HeadError::ContentLength)?;
    let mut length = None;
    for item in value.split(',') {
        let parsed = digits(item.trim().as_bytes()).ok_or(HeadError::ContentLength)?;
        if length.is_some_and(|length| length != parsed) {
            return Err(HeadError::ContentLength);
        }
        length = Some(parsed);
    }
    length.ok_or(HeadError::ContentLength)
}

/// A non-empty run of decimal digits that fits a `u64`.
fn digits(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |number, &digit| {
        let digit = char::from(digit).to_digit(10)?;
        number.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Whether a `Content-Type` value lists `application/octet-stream`, as StateFun's async
/// transport checks it: any item of a comma-separated list, in any case, but without
/// parameters such as `; charset=…`.
pub(in crate::transport) fn lists_octet_stream(value: &[u8]) -> bool {
    // What every function answers, checked without splitting a string.
    if value.eq_ignore_ascii_case(statefun_protocol::CONTENT_TYPE.as_bytes()) {
        return true;
    }
    visible_ascii(value).is_some_and(|value| {
        value.split(',').any(|item| {
            item.trim()
                .eq_ignore_ascii_case(statefun_protocol::CONTENT_TYPE)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &str) -> Head {
        match parse(bytes.as_bytes()).unwrap() {
            Parsed::Complete(head, len) => {
                assert_eq!(len, bytes.len());
                head
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let ok = "HTTP/1.1 200 OK\r\n";
        assert_eq!(
            head(&format!("{ok}content-length: 5\r\n\r\n")).framing,
            Framing::Length(5)
        );
        assert_eq!(
            head(&format!("{ok}Content-Length: 5, 5\r\n\r\n")).framing,
            Framing::Length(5)
        );
        assert_eq!(
            head(&format!(
                "{ok}transfer-encoding: gzip, chunked\r\ncontent-length: 5\r\n\r\n"
            ))
            .framing,
            Framing::Chunked
        );
        let until_close = head(&format!("{ok}transfer-encoding: gzip\r\n\r\n"));
        assert_eq!(until_close.framing, Framing::UntilClose);
        assert!(!until_close.keep_alive);
        assert_eq!(head(&format!("{ok}\r\n")).framing, Framing::UntilClose);
        assert_eq!(
            head("HTTP/1.1 204 No Content\r\ncontent-length: 9\r\n\r\n").framing,
            Framing::Length(0)
        );
        for bad in ["5, 6", "-1", "", "0x5", "99999999999999999999", "5,"] {
            let bytes = format!("{ok}content-length: {bad}\r\n\r\n");
            assert!(
                matches!(parse(bytes.as_bytes()), Err(HeadError::ContentLength)),
                "{bad}"
            );
        }
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n"),
            Err(HeadError::ContentLength)
        ));
        assert!(matches!(
            parse(b"HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"),
            Err(HeadError::TransferEncoding)
        ));
    }

    #[test]
    fn keep_alive_follows_the_version_and_connection() {
        let length = "content-length: 0\r\n";
        assert!(head(&format!("HTTP/1.1 200 OK\r\n{length}\r\n")).keep_alive);
        assert!(
            !head(&format!(
                "HTTP/1.1 200 OK\r\n{length}Connection: Close\r\n\r\n"
            ))
            .keep_alive
        );
        assert!(
            !head(&format!(
                "HTTP/1.1 200 OK\r\n{length}connection: close\r\nconnection: keep-alive\r\n\r\n"
            ))
            .keep_alive
        );
        assert!(!head(&format!("HTTP/1.0 200 OK\r\n{length}\r\n")).keep_alive);
        assert!(
            head(&format!(
                "HTTP/1.0 200 OK\r\n{length}connection: keep-alive\r\n\r\n"
            ))
            .keep_alive
        );
        assert!(!head("HTTP/1.1 101 Switching Protocols\r\n\r\n").keep_alive);
    }

    #[test]
    fn informational_responses_are_skipped_and_partial_heads_wait() {
        assert!(matches!(
            parse(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"),
            Ok(Parsed::Informational(25))
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\ncontent-"),
            Ok(Parsed::Partial)
        ));
        assert!(matches!(
            parse(b"SMTP ready\r\n\r\n"),
            Err(HeadError::Syntax(_))
        ));
    }

    #[test]
    fn content_type_must_list_octet_stream_without_parameters() {
        let with = |value: &str| head(&format!("HTTP/1.1 200 OK\r\ncontent-type: {value}\r\n\r\n"));
        assert!(with("application/octet-stream").octet_stream);
        assert!(with("text/plain, Application/Octet-Stream").octet_stream);
        let charset = with("application/octet-stream; charset=utf-8");
        assert!(!charset.octet_stream);
        assert_eq!(
            charset.content_type.as_deref(),
            Some("application/octet-stream; charset=utf-8")
        );
        let none = head("HTTP/1.1 200 OK\r\n\r\n");
        assert!(!none.octet_stream && none.content_type.is_none());
    }
}
