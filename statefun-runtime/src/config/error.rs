use std::path::PathBuf;

/// Why a module.yaml (or a harness setup) cannot be used. The message names the document,
/// the key and the value at fault.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ConfigError(#[from] Repr);

#[derive(Debug, thiserror::Error)]
pub(crate) enum Repr {
    #[error("cannot read the module file `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("module.yaml is not valid YAML: {0}")]
    Yaml(#[source] serde_yaml_ng::Error),
    #[error("module.yaml document {document}{}: {problem}", kind.as_deref().map(|kind| format!(" (kind `{kind}`)")).unwrap_or_default())]
    Document {
        document: usize,
        kind: Option<String>,
        problem: String,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

impl ConfigError {
    pub(crate) fn invalid(problem: impl Into<String>) -> Self {
        Self(Repr::Invalid(problem.into()))
    }
}

/// `host:port` could not be bound.
pub(crate) fn bind_error(host: std::net::IpAddr, port: u16, source: std::io::Error) -> ConfigError {
    Repr::Bind {
        address: std::net::SocketAddr::new(host, port),
        source,
    }
    .into()
}
