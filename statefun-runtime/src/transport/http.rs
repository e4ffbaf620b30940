use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use http::Uri;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use statefun_protocol::{Address, CONTENT_TYPE as OCTET_STREAM};

use super::tls::{TlsFiles, client_config};
use super::{CallFuture, FunctionTransport, TlsConfigError, TransportError, read_response};
use crate::DEFAULT_PAYLOAD_MAX_BYTES;

const FUNCTION_NAME: &str = "{function.name}";

/// A function URL with `{function.name}` standing for the function type's name (not its
/// namespace), as module.yaml's `urlPathTemplate`.
///
/// ```
/// use statefun_runtime::transport::UrlTemplate;
///
/// let template = UrlTemplate::new("http://functions:8000/{function.name}").unwrap();
/// assert_eq!(template.render("greeter").unwrap().to_string(), "http://functions:8000/greeter");
/// assert!(UrlTemplate::new("ftp://functions/x").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTemplate(String);

/// Why a `urlPathTemplate` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid function URL `{template}`: {reason}")]
pub struct UrlTemplateError {
    template: String,
    reason: String,
}

impl UrlTemplate {
    /// Checks that `template` makes an absolute `http` or `https` URL.
    pub fn new(template: impl Into<String>) -> Result<Self, UrlTemplateError> {
        let template = Self(template.into());
        template.render("name")?;
        Ok(template)
    }

    /// The URL for the function type named `name`.
    pub fn render(&self, name: &str) -> Result<Uri, UrlTemplateError> {
        let error = |reason: String| UrlTemplateError {
            template: self.0.clone(),
            reason,
        };
        let uri: Uri = self
            .0
            .replace(FUNCTION_NAME, name)
            .parse()
            .map_err(|e: http::uri::InvalidUri| error(e.to_string()))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            Some(other) => {
                return Err(error(format!(
                    "the scheme `{other}` is not supported, use http or https"
                )));
            }
            None => {
                return Err(error(
                    "expected an absolute URL such as http://host:port/path".into(),
                ));
            }
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(error("the URL has no host".into()));
        }
        Ok(uri)
    }
}

impl std::fmt::Display for UrlTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

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
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    template: UrlTemplate,
    payload_max_bytes: usize,
}

impl HttpTransport {
    /// A transport POSTing to `template`; fails only on unusable TLS files.
    pub fn new(template: UrlTemplate, config: HttpTransportConfig) -> Result<Self, TlsConfigError> {
        let tls = client_config(&TlsFiles {
            trust_cacerts: config.trust_cacerts.clone(),
            client_identity: config.client_identity.clone(),
        })?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(config.connect));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(config.pool_ttl)
            .pool_max_idle_per_host(config.pool_size)
            .build(connector);
        Ok(Self {
            client,
            template,
            payload_max_bytes: config.payload_max_bytes,
        })
    }

    /// The URL template this transport posts to.
    pub fn template(&self) -> &UrlTemplate {
        &self.template
    }
}

impl FunctionTransport for HttpTransport {
    fn call(&self, target: &Address, request: Bytes) -> CallFuture {
        let client = self.client.clone();
        let limit = self.payload_max_bytes;
        let uri = self.template.render(&target.r#type);
        Box::pin(async move {
            // The template was checked when built, so only an odd function name can break it.
            let uri = uri.map_err(TransportError::request)?;
            let request = http::Request::post(uri)
                .header(CONTENT_TYPE, OCTET_STREAM)
                .header(ACCEPT, OCTET_STREAM)
                .header(USER_AGENT, "statefun")
                .body(Full::new(request))
                .map_err(TransportError::request)?;
            let response = client.request(request).await.map_err(|error| {
                if error.is_connect() {
                    TransportError::connect(error)
                } else {
                    TransportError::request(error)
                }
            })?;
            read_response(response, limit).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_replaces_the_function_name_everywhere() {
        let template = UrlTemplate::new("https://h/{function.name}/x?f={function.name}").unwrap();
        assert_eq!(
            template.render("greeter").unwrap().to_string(),
            "https://h/greeter/x?f=greeter"
        );
    }

    #[test]
    fn template_rejects_relative_and_unix_urls() {
        for bad in ["/statefun", "http+unix:///tmp/x.sock/statefun", "http://"] {
            let error = UrlTemplate::new(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{error}");
        }
    }
}
