use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Why the TLS settings of an HTTP transport cannot be used.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct TlsConfigError(#[from] Repr);

#[derive(Debug, thiserror::Error)]
enum Repr {
    #[error("cannot read PEM certificates from `{path}`: {source}")]
    Certificates {
        path: PathBuf,
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    #[error("`{path}` holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("`{path}` holds a certificate rustls cannot trust: {source}")]
    Untrusted {
        path: PathBuf,
        #[source]
        source: rustls::Error,
    },
    #[error("cannot read a PEM private key from `{path}`: {source}")]
    PrivateKey {
        path: PathBuf,
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    #[error("TLS setup failed: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Where the transport finds certificates beyond the Mozilla roots it always trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TlsFiles {
    /// PEM CA certificates to trust (`trust_cacerts`).
    pub trust_cacerts: Option<PathBuf>,
    /// PEM certificate chain and unencrypted PKCS#8 key for mutual TLS (`client_cert`, `client_key`).
    pub client_identity: Option<(PathBuf, PathBuf)>,
}

/// A rustls client configuration trusting the webpki (Mozilla) roots plus `files.trust_cacerts`.
pub(crate) fn client_config(files: &TlsFiles) -> Result<rustls::ClientConfig, TlsConfigError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = &files.trust_cacerts {
        for certificate in read_certificates(path)? {
            roots.add(certificate).map_err(|source| Repr::Untrusted {
                path: path.clone(),
                source,
            })?;
        }
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(Repr::Rustls)?
    .with_root_certificates(roots);
    let config = match &files.client_identity {
        None => builder.with_no_client_auth(),
        Some((certificate, key)) => {
            let chain = read_certificates(certificate)?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|source| Repr::PrivateKey {
                path: key.clone(),
                source,
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(Repr::Rustls)?
        }
    };
    Ok(config)
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|source| Repr::Certificates {
            path: path.to_owned(),
            source,
        })?;
    if certificates.is_empty() {
        return Err(Repr::NoCertificate {
            path: path.to_owned(),
        }
        .into());
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_ca_file_is_named() {
        let files = TlsFiles {
            trust_cacerts: Some("/nonexistent/ca.pem".into()),
            client_identity: None,
        };
        let error = client_config(&files).unwrap_err().to_string();
        assert!(error.contains("/nonexistent/ca.pem"), "{error}");
    }

    #[test]
    fn default_trusts_the_webpki_roots() {
        assert!(client_config(&TlsFiles::default()).is_ok());
    }
}
