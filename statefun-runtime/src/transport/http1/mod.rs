//! The HTTP/1.1 client of [`HttpTransport`](super::HttpTransport): requests pre-rendered
//! per function type, keep-alive connections pooled per origin, each exchange run in the
//! calling task.
//!
//! It replaces hyper-util's legacy client, whose per-request machinery (a connection
//! task fed through a channel, pool checkout futures, a `Uri` and a `HeaderMap` built for
//! every request, SipHash-keyed pool maps) cost more than the rest of the runtime.
//!
//! A response is read as hyper's HTTP/1.1 client reads it (the head in `head`, a chunked
//! body in `chunked`): what hyper refuses the client refuses, and what hyper takes it
//! reads to the same status and body. The fuzz target `http1_response` and a property
//! test check it against hyper (`oracle`). Two differences are deliberate bounds: a head
//! may hold 64 KiB (hyper's read buffer allows about 400 KiB), and a body may hold the
//! endpoint's `payload_max_bytes`, checked by `Content-Length` or chunk size before the
//! data is read (hyper has no bound).

mod chunked;
mod connection;
mod head;
mod io;
#[cfg(feature = "fuzzing")]
mod oracle;
mod pool;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use tokio_rustls::TlsConnector;

use super::TransportError;
use super::url::{Origin, UrlTemplate, UrlTemplateError};
use crate::fast_map::FastMap;
use connection::Connection;
pub(super) use head::lists_octet_stream;
#[cfg(feature = "fuzzing")]
pub(crate) use oracle::response_reads_as_hyper;
use pool::Pool;

/// Function types a client keeps rendered requests for; past it, it starts over, so
/// functions sending to ever new types of a namespace cannot grow it without bound.
const MAX_TARGETS: usize = 1024;

pub(super) struct Client {
    pub template: UrlTemplate,
    pub payload_max_bytes: usize,
    tls: TlsConnector,
    connect_timeout: Duration,
    pool_ttl: Duration,
    pool_size: usize,
    /// By function type name.
    targets: Mutex<FastMap<Box<[u8]>, Arc<Target>>>,
    pools: Mutex<FastMap<Origin, Arc<Pool>>>,
}

/// Everything a request to one function type needs but its body.
struct Target {
    /// The request head up to the `content-length` value.
    head: Box<[u8]>,
    pool: Arc<Pool>,
}

/// The settings a [`Client`] is made of.
pub(super) struct Settings {
    pub template: UrlTemplate,
    pub tls: rustls::ClientConfig,
    pub connect_timeout: Duration,
    pub pool_ttl: Duration,
    pub pool_size: usize,
    pub payload_max_bytes: usize,
}

impl Client {
    pub fn new(settings: Settings) -> Self {
        Self {
            template: settings.template,
            payload_max_bytes: settings.payload_max_bytes,
            tls: TlsConnector::from(Arc::new(settings.tls)),
            connect_timeout: settings.connect_timeout,
            pool_ttl: settings.pool_ttl,
            pool_size: settings.pool_size,
            targets: Mutex::default(),
            pools: Mutex::default(),
        }
    }

    /// The rendered request for the function type `name`.
    fn target(&self, name: &[u8]) -> Result<Arc<Target>, UrlTemplateError> {
        let mut targets = self.targets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(target) = targets.get(name) {
            return Ok(Arc::clone(target));
        }
        let url = self
            .template
            .request_parts(&String::from_utf8_lossy(name))?;
        let head = format!(
            "POST {} HTTP/1.1\r\nhost: {}\r\ncontent-type: {octet}\r\naccept: {octet}\r\nuser-agent: statefun\r\ncontent-length: ",
            url.path,
            url.host_header,
            octet = statefun_protocol::CONTENT_TYPE,
        );
        let pool = Arc::clone(
            self.pools
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(url.origin.clone())
                .or_insert_with(|| Arc::new(Pool::new(url.origin, self.pool_ttl, self.pool_size))),
        );
        let target = Arc::new(Target {
            head: head.into_bytes().into_boxed_slice(),
            pool,
        });
        if targets.len() >= MAX_TARGETS {
            targets.clear();
        }
        targets.insert(name.into(), Arc::clone(&target));
        Ok(target)
    }

    /// POSTs `request` to the function type `name` and returns the checked answer's body.
    pub async fn exchange(&self, name: &[u8], request: &[u8]) -> Result<Bytes, TransportError> {
        // The template was checked when built, so only an odd function name can break it.
        let target = self.target(name).map_err(TransportError::request)?;
        let mut connection = match target.pool.checkout() {
            Some(connection) => connection,
            // Boxed: opening (a TLS handshake's state above all) is most of this future's
            // size, which every exchange would otherwise carry and copy.
            None => {
                Box::pin(Connection::open(
                    &target.pool.origin,
                    &self.tls,
                    self.connect_timeout,
                ))
                .await?
            }
        };
        connection
            .send(&target.head, request)
            .await
            .map_err(TransportError::request)?;
        let received = connection.receive(self.payload_max_bytes).await?;
        if received.reusable {
            target.pool.checkin(connection);
        }
        Ok(received.body)
    }
}
