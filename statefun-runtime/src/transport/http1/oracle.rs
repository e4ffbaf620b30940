//! The client's response parsing against hyper's HTTP/1.1 client, for the fuzz target
//! `http1_response` and its property test: both read the same bytes as the answer to a
//! POST, and must both refuse them or both read the same status and body.

use std::cell::RefCell;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};

use super::connection::{Connection, MAX_HEAD_BYTES, ReadError};

/// What a parser made of a response: its status and body, or why it refused it.
type Outcome = Result<(u16, Bytes), String>;

thread_local! {
    static RUNTIME: RefCell<tokio::runtime::Runtime> = RefCell::new(
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime"),
    );
}

/// Checks `input` through both parsers: its first byte is how many bytes each of the
/// runtime's reads returns (0: all at once), the rest is the response.
pub fn response_reads_as_hyper(input: &[u8]) -> Result<(), String> {
    let Some((&piece, response)) = input.split_first() else {
        return Ok(());
    };
    let piece = match piece {
        0 => usize::MAX,
        piece => usize::from(piece),
    };
    RUNTIME.with(|runtime| {
        let runtime = runtime.borrow();
        let ours = runtime.block_on(ours(response, piece));
        let hypers = runtime.block_on(hypers(response));
        match (ours, hypers) {
            (Ok(ours), Ok(hypers)) if ours == hypers => Ok(()),
            (Err(_), Err(_)) => Ok(()),
            // A deliberate difference: the runtime's bound on a head is lower than hyper's
            // read buffer (about 400 KiB).
            (Err(Refusal::HeadTooLong), Ok(_)) if response.len() >= MAX_HEAD_BYTES => Ok(()),
            (ours, hypers) => Err(format!(
                "{:?}\nthe runtime read {:?}\nhyper read {:?}",
                response.escape_ascii().to_string(),
                ours.map_err(|refusal| refusal.to_string()),
                hypers,
            )),
        }
    })
}

#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("the response head is too long")]
    HeadTooLong,
    #[error("{0}")]
    Other(String),
}

async fn ours(response: &[u8], piece: usize) -> Result<(u16, Bytes), Refusal> {
    let mut connection = Connection::over(Pieces {
        bytes: response,
        piece,
    });
    let head = match connection.read_head().await {
        Ok(head) => head,
        Err(ReadError::TooLong(_)) => return Err(Refusal::HeadTooLong),
        Err(error) => return Err(Refusal::Other(error.to_string())),
    };
    // No body can be longer than the input, so this limit never refuses what hyper takes.
    let body = connection
        .read_body(head.framing, response.len())
        .await
        .map_err(|error| Refusal::Other(error.to_string()))?;
    Ok((head.status.as_u16(), body))
}

async fn hypers(response: &[u8]) -> Outcome {
    let (client, mut server) = tokio::io::duplex(64 * 1024);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(client))
        .await
        .map_err(|error| error.to_string())?;
    let connection = tokio::spawn(connection);
    let response = response.to_vec();
    let server = tokio::spawn(async move {
        server.write_all(&response).await?;
        server.shutdown().await?;
        // Kept open for reading: hyper's request must not meet a broken pipe.
        std::future::pending::<()>().await;
        Ok::<_, io::Error>(())
    });
    let request = http::Request::post("/statefun")
        .header(http::header::HOST, "functions")
        .header(http::header::CONTENT_TYPE, statefun_protocol::CONTENT_TYPE)
        .body(Full::new(Bytes::from_static(b"\x0a\x00")))
        .expect("a valid request");
    let outcome = async {
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok::<_, hyper::Error>((status, body))
    }
    .await
    .map_err(|error| error.to_string());
    connection.abort();
    server.abort();
    outcome
}

/// A response arriving `piece` bytes per read, then the end of the stream.
struct Pieces<'a> {
    bytes: &'a [u8],
    piece: usize,
}

impl AsyncRead for Pieces<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let len = self.bytes.len().min(self.piece).min(buf.remaining());
        let (read, rest) = self.bytes.split_at(len);
        buf.put_slice(read);
        self.bytes = rest;
        Poll::Ready(Ok(()))
    }
}
