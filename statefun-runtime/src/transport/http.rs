use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use statefun_protocol::Address;

use super::http1::{Client, Settings};
use super::tls::{TlsFiles, client_config};
use super::url::UrlTemplate;
use super::{CallFuture, FunctionTransport, TlsConfigError, TransportError};
use crate::DEFAULT_PAYLOAD_MAX_BYTES;

/// Settings of an [`HttpTransport`], with the defaults of StateFun's async transport.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpTransportConfig {
    /// TCP (and TLS) connect timeout per attempt; 20 s.
    pub connect: Duration,
    /// How long an idle pooled connection is kept; 15 s.
    pub pool_ttl: Duration,
    /// How many idle connections per host are kept; 1024.
    pub pool_size: usize,
    /// The largest response body accepted; 32 MiB.
    pub payload_max_bytes: usize,
    /// PEM CA certificates trusted besides the Mozilla roots (`trust_cacerts`).
    pub trust_cacerts: Option<PathBuf>,
    /// PEM certificate chain and unencrypted PKCS#8 key for mutual TLS (`client_cert`, `client_key`).
    pub client_identity: Option<(PathBuf, PathBuf)>,
}

impl Default for HttpTransportConfig {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(20),
            pool_ttl: Duration::from_secs(15),
            pool_size: 1024,
            payload_max_bytes: DEFAULT_PAYLOAD_MAX_BYTES,
            trust_cacerts: None,
            client_identity: None,
        }
    }
}

/// Calls functions over HTTP/1.1 (`http` or `https`) with a pool of keep-alive connections.
///
/// ```
/// use statefun_runtime::transport::{HttpTransport, HttpTransportConfig, UrlTemplate};
///
/// let template = UrlTemplate::new("http://127.0.0.1:8000/statefun").unwrap();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let transport = HttpTransport::new(template, HttpTransportConfig::default()).unwrap();
/// # let _ = transport;
/// # });
/// ```
#[derive(Clone)]
pub struct HttpTransport {
    client: Arc<Client>,
}

impl HttpTransport {
    /// A transport POSTing to `template`; fails only on unusable TLS files.
    pub fn new(template: UrlTemplate, config: HttpTransportConfig) -> Result<Self, TlsConfigError> {
        let tls = client_config(&TlsFiles {
            trust_cacerts: config.trust_cacerts.clone(),
            client_identity: config.client_identity.clone(),
        })?;
        let client = Client::new(Settings {
            template,
            tls,
            connect_timeout: config.connect,
            pool_ttl: config.pool_ttl,
            pool_size: config.pool_size,
            payload_max_bytes: config.payload_max_bytes,
        });
        Ok(Self {
            client: Arc::new(client),
        })
    }

    /// The URL template this transport posts to.
    pub fn template(&self) -> &UrlTemplate {
        &self.client.template
    }
}

impl Client {
    /// The URL requests for the function type `name` go to, for error messages.
    fn url_of(&self, name: &[u8]) -> Option<String> {
        self.template
            .render(&String::from_utf8_lossy(name))
            .ok()
            .map(|url| url.to_string())
    }
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTransport")
            .field("template", &self.client.template)
            .field("payload_max_bytes", &self.client.payload_max_bytes)
            .finish_non_exhaustive()
    }
}

impl HttpTransport {
    /// One attempt for the function type named `name`, borrowing what `call` must own:
    /// the engine's way in.
    pub(crate) fn exchange<'a>(
        &'a self,
        name: &'a [u8],
        request: &'a [u8],
    ) -> impl Future<Output = Result<Bytes, TransportError>> + Send + 'a {
        let client = &self.client;
        async move {
            client
                .exchange(name, request)
                .await
                .map_err(|error| error.tried(|| client.url_of(name)))
        }
    }
}

impl FunctionTransport for HttpTransport {
    fn call(&self, target: &Address, request: Bytes) -> CallFuture {
        let client = Arc::clone(&self.client);
        let name = target.r#type.clone();
        Box::pin(async move {
            client
                .exchange(name.as_bytes(), &request)
                .await
                .map_err(|error| error.tried(|| client.url_of(name.as_bytes())))
        })
    }
}
