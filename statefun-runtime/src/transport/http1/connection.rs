//! One keep-alive HTTP/1.1 connection to a function: write a request, read its response.
//!
//! The exchange runs in the calling task: no connection task, no channel between the two,
//! and the response body is split off the read buffer without a copy.

use std::io;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::chunked::{ChunkError, Chunked};
use super::head::{self, Framing, Head, Parsed};
use super::io::Io;
use crate::transport::TransportError;
use crate::transport::url::Origin;

/// How much of an error answer's body goes into the failure message.
const EXCERPT_BYTES: usize = 512;
/// The largest response head accepted.
pub(super) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// What a read asks for at least, and the read buffer's first size.
const READ_BYTES: usize = 8 * 1024;
/// Bodies up to this size are copied behind the head, so a request is one write.
const INLINE_BODY_BYTES: usize = 64 * 1024;

/// Generic over its byte stream only so that the response parsing can be checked
/// against hyper's over an in-memory stream; the client uses [`Io`].
pub(super) struct Connection<I = Io> {
    io: I,
    /// Bytes read and not consumed yet.
    read: BytesMut,
    /// The request being written, reused from one request to the next.
    write: Vec<u8>,
}

/// A 2xx `application/octet-stream` answer.
pub(super) struct Received {
    pub body: Bytes,
    /// Whether the connection can carry another request.
    pub reusable: bool,
}

impl Connection {
    /// Opens a connection to `origin` within `timeout`, with TLS if its scheme is https.
    pub async fn open(
        origin: &Origin,
        tls: &TlsConnector,
        timeout: Duration,
    ) -> Result<Self, TransportError> {
        let connect = async {
            let tcp = TcpStream::connect((origin.host.as_str(), origin.port)).await?;
            tcp.set_nodelay(true)?;
            if !origin.tls {
                return Ok(Io::Tcp(tcp));
            }
            let name = ServerName::try_from(origin.host.clone())
                .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
            Ok::<_, io::Error>(Io::Tls(Box::new(tls.connect(name, tcp).await?)))
        };
        let io = match tokio::time::timeout(timeout, connect).await {
            Ok(io) => io.map_err(TransportError::connect)?,
            Err(_) => {
                return Err(TransportError::connect(format!(
                    "no connection to {}:{} within {timeout:?}",
                    origin.host, origin.port
                )));
            }
        };
        Ok(Self {
            io,
            read: BytesMut::with_capacity(READ_BYTES),
            write: Vec::new(),
        })
    }

    /// Whether this idle connection can still be used; see [`Io::is_usable_idle`].
    pub fn is_usable_idle(&self) -> bool {
        self.read.is_empty() && self.io.is_usable_idle()
    }

    /// Writes a request: `head` is everything up to the `content-length` value.
    pub async fn send(&mut self, head: &[u8], body: &[u8]) -> io::Result<()> {
        self.write.clear();
        self.write.extend_from_slice(head);
        self.write
            .extend_from_slice(itoa::Buffer::new().format(body.len()).as_bytes());
        self.write.extend_from_slice(b"\r\n\r\n");
        let body = if body.len() <= INLINE_BODY_BYTES {
            self.write.extend_from_slice(body);
            &[][..]
        } else {
            body
        };
        let written = self.io.write_now(&self.write)?;
        if written < self.write.len() || !body.is_empty() || matches!(self.io, Io::Tls(_)) {
            self.io.write_all(&self.write[written..]).await?;
            self.io.write_all(body).await?;
            self.io.flush().await?;
        }
        Ok(())
    }
}

impl<I: AsyncRead + Unpin> Connection<I> {
    /// A connection reading its responses from `io`.
    #[cfg(feature = "fuzzing")]
    pub fn over(io: I) -> Self {
        Self {
            io,
            read: BytesMut::with_capacity(READ_BYTES),
            write: Vec::new(),
        }
    }

    /// Reads the response and checks it as StateFun's async transport does: the status
    /// must be 2xx, `Content-Type` must list `application/octet-stream`, and the body may
    /// hold at most `limit` bytes.
    pub async fn receive(&mut self, limit: usize) -> Result<Received, TransportError> {
        let head = self.read_head().await.map_err(TransportError::request)?;
        if !head.status.is_success() {
            let excerpt = match self.read_body(head.framing, EXCERPT_BYTES).await {
                Ok(body) => String::from_utf8_lossy(&body).into_owned(),
                Err(_) => String::new(),
            };
            return Err(TransportError::status(head.status, excerpt.trim()));
        }
        if !head.octet_stream {
            return Err(TransportError::content_type(head.content_type));
        }
        let body = self.read_body(head.framing, limit).await?;
        Ok(Received {
            body,
            // Anything read past the response was not asked for.
            reusable: head.keep_alive && self.read.is_empty(),
        })
    }

    pub(super) async fn read_head(&mut self) -> Result<Head, ReadError> {
        loop {
            match head::parse(&self.read).map_err(ReadError::Head)? {
                Parsed::Complete(head, len) => {
                    self.read.advance(len);
                    return Ok(head);
                }
                Parsed::Informational(len) => self.read.advance(len),
                Parsed::Partial if self.read.len() >= MAX_HEAD_BYTES => {
                    return Err(ReadError::TooLong("response head"));
                }
                Parsed::Partial => self.fill().await?,
            }
        }
    }

    pub(super) async fn read_body(
        &mut self,
        framing: Framing,
        limit: usize,
    ) -> Result<Bytes, TransportError> {
        match framing {
            Framing::Length(length) => {
                let length = usize::try_from(length)
                    .ok()
                    .filter(|length| *length <= limit)
                    .ok_or_else(|| TransportError::too_large(limit))?;
                self.read_exactly(length)
                    .await
                    .map_err(TransportError::body)?;
                Ok(self.read.split_to(length).freeze())
            }
            Framing::Chunked => self.read_chunked(limit).await,
            Framing::UntilClose => {
                loop {
                    if self.read.len() > limit {
                        return Err(TransportError::too_large(limit));
                    }
                    match self.fill().await {
                        Ok(()) => {}
                        Err(ReadError::Closed) => break,
                        Err(error) => return Err(TransportError::body(error)),
                    }
                }
                Ok(self.read.split().freeze())
            }
        }
    }

    async fn read_chunked(&mut self, limit: usize) -> Result<Bytes, TransportError> {
        let mut chunked = Chunked::new();
        let mut body = BytesMut::new();
        loop {
            match chunked.decode(&mut self.read, &mut body, limit) {
                Ok(true) => return Ok(body.freeze()),
                Ok(false) => self.fill().await.map_err(TransportError::body)?,
                Err(ChunkError::TooLarge(limit)) => return Err(TransportError::too_large(limit)),
                Err(error) => return Err(TransportError::body(ReadError::Chunk(error))),
            }
        }
    }

    /// Reads until at least `len` bytes are buffered.
    async fn read_exactly(&mut self, len: usize) -> Result<(), ReadError> {
        if self.read.len() < len {
            self.read.reserve(len - self.read.len());
        }
        while self.read.len() < len {
            self.fill().await?;
        }
        Ok(())
    }

    /// Reads what the socket has; the end of the stream is [`ReadError::Closed`].
    async fn fill(&mut self) -> Result<(), ReadError> {
        if self.read.capacity() - self.read.len() < READ_BYTES / 2 {
            self.read.reserve(READ_BYTES);
        }
        match self.io.read_buf(&mut self.read).await {
            Ok(0) => Err(ReadError::Closed),
            Ok(_) => Ok(()),
            Err(error) => Err(ReadError::Io(error)),
        }
    }
}

/// Why a response could not be read.
#[derive(Debug, thiserror::Error)]
pub(super) enum ReadError {
    #[error("the connection closed before the response was complete")]
    Closed,
    #[error(transparent)]
    Io(io::Error),
    #[error(transparent)]
    Head(head::HeadError),
    #[error("the {0} is too long")]
    TooLong(&'static str),
    #[error("invalid chunked body: {0}")]
    Chunk(ChunkError),
}
