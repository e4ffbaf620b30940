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
    #[error("{origin} is not valid YAML: {source}")]
    Yaml {
        origin: Origin,
        #[source]
        source: serde_yaml_ng::Error,
    },
    #[error("{origin} document {document}{}: {problem}", kind.as_deref().map(|kind| format!(" (kind `{kind}`)")).unwrap_or_default())]
    Document {
        origin: Origin,
        document: usize,
        kind: Option<String>,
        problem: String,
    },
    #[error(
        "{origin} declares no component (no `kind`/`spec` document): is it the module you meant?"
    )]
    Empty { origin: Origin },
    #[error("{0}")]
    Invalid(String),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Where a module's text came from, as errors name it.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// Text given to `ModuleConfig::parse`.
    Text,
    /// The file `ModuleConfig::load` read.
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Text => f.write_str("the module"),
            Origin::File(path) => write!(f, "the module file `{}`", path.display()),
        }
    }
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
