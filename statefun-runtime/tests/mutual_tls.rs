//! The HTTP transport presents a client certificate (`client_cert`, `client_key`) to a
//! function that requires one, and trusts the function through `trust_cacerts`.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use statefun_runtime::protocol::Address;
use statefun_runtime::transport::{
    FunctionTransport, HttpTransport, HttpTransportConfig, UrlTemplate,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig, crypto};

/// An empty `InvocationResponse`.
const NO_EFFECTS: &[u8] = b"\xA2\x06\x00";

struct Pki {
    ca: CertificateDer<'static>,
    ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).unwrap();
        Self {
            ca: ca.der().clone(),
            ca_pem: ca.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A certificate for `localhost` signed by the CA, as PEM and DER, with its key.
    fn leaf(&self) -> (String, CertificateDer<'static>, KeyPair) {
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &self.issuer)
            .unwrap();
        (leaf.pem(), leaf.der().clone(), key)
    }
}

fn file(name: &str, contents: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("statefun-mtls-{}-{name}.pem", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

/// Serves HTTPS requiring a client certificate the CA signed; answers every request with
/// no effects. Returns the port.
async fn serve(pki: &Pki) -> u16 {
    let (_, certificate, key) = pki.leaf();
    let provider = Arc::new(crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca.clone()).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![certificate],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = acceptor.accept(stream).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut chunk = [0; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {}\r\n\r\n",
                    NO_EFFECTS.len()
                );
                let _ = stream
                    .write_all(&[head.as_bytes(), NO_EFFECTS].concat())
                    .await;
                let _ = stream.flush().await;
            });
        }
    });
    port
}

#[tokio::test]
async fn a_client_certificate_is_presented_when_configured() {
    let pki = Pki::new();
    let port = serve(&pki).await;
    let url = UrlTemplate::new(format!("https://localhost:{port}/statefun")).unwrap();
    let ca = file("ca", &pki.ca_pem);
    let (client_pem, _, client_key) = pki.leaf();
    let (certificate, key) = (
        file("cert", &client_pem),
        file("key", &client_key.serialize_pem()),
    );
    let target = Address::new("example", "greeter", "bob");

    let mut config = HttpTransportConfig::default();
    config.trust_cacerts = Some(ca.clone());
    config.client_identity = Some((certificate.clone(), key.clone()));
    let transport = HttpTransport::new(url.clone(), config).unwrap();
    let body = transport.call(&target, Bytes::new()).await.unwrap();
    assert_eq!(body.as_ref(), NO_EFFECTS);

    // Without the certificate the function refuses the connection.
    let mut config = HttpTransportConfig::default();
    config.trust_cacerts = Some(ca.clone());
    let anonymous = HttpTransport::new(url, config).unwrap();
    assert!(anonymous.call(&target, Bytes::new()).await.is_err());

    for path in [ca, certificate, key] {
        std::fs::remove_file(path).unwrap();
    }
}
