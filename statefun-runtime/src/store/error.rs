//! Why the store cannot be used.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The store could not be opened, read or written.
#[derive(Debug, Clone, thiserror::Error)]
#[error(transparent)]
pub struct StoreError(Arc<Repr>);

/// The category of a [`StoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The state directory or its store could not be opened (missing permissions, another
    /// process holding it, a file that is not a store).
    Open,
    /// Reading stored data failed.
    Read,
    /// A commit failed; nothing more is acknowledged.
    Write,
    /// The writer stopped.
    Closed,
    /// An export or import line could not be read or written.
    Format,
}

#[derive(Debug, thiserror::Error)]
enum Repr {
    #[error("cannot use the state directory {dir}: {source}")]
    Directory {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the store in {dir} (is another runtime using it?): {source}")]
    Open {
        dir: PathBuf,
        #[source]
        source: redb::Error,
    },
    #[error("cannot read the store: {0}")]
    Read(#[source] redb::Error),
    #[error("cannot write the store: {0}")]
    Write(#[source] redb::Error),
    #[error("the store's writer stopped")]
    Closed,
    #[error("{0}")]
    Format(String),
}

impl StoreError {
    /// The category of this error.
    pub fn kind(&self) -> StoreErrorKind {
        match &*self.0 {
            Repr::Directory { .. } | Repr::Open { .. } => StoreErrorKind::Open,
            Repr::Read(_) => StoreErrorKind::Read,
            Repr::Write(_) => StoreErrorKind::Write,
            Repr::Closed => StoreErrorKind::Closed,
            Repr::Format(_) => StoreErrorKind::Format,
        }
    }

    pub(crate) fn directory(dir: &Path, source: std::io::Error) -> Self {
        Self(Arc::new(Repr::Directory {
            dir: dir.to_owned(),
            source,
        }))
    }

    pub(crate) fn open(dir: &Path, source: redb::Error) -> Self {
        Self(Arc::new(Repr::Open {
            dir: dir.to_owned(),
            source,
        }))
    }

    pub(crate) fn read(source: redb::Error) -> Self {
        Self(Arc::new(Repr::Read(source)))
    }

    pub(crate) fn write(source: redb::Error) -> Self {
        Self(Arc::new(Repr::Write(source)))
    }

    pub(crate) fn closed() -> Self {
        Self(Arc::new(Repr::Closed))
    }

    pub(crate) fn format(what: String) -> Self {
        Self(Arc::new(Repr::Format(what)))
    }
}
