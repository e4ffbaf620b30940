//! Why a value the harness holds could not be read as asked.

use statefun_sdk::types::BoxError;

/// A state value or an egress record that is not of the type it was read as, or that its
/// type cannot decode. It names the value (state and address, or egress and record).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ReadError(Box<ReadErrorKind>);

impl From<ReadErrorKind> for ReadError {
    fn from(kind: ReadErrorKind) -> Self {
        ReadError(Box::new(kind))
    }
}

impl ReadError {
    /// Whether the value has another typename than the one it was read as.
    pub fn is_wrong_type(&self) -> bool {
        matches!(*self.0, ReadErrorKind::WrongType { .. })
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadErrorKind {
    #[error("{what} has type `{actual}`, not `{expected}`")]
    WrongType {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("{what} cannot be read as `{typename}`: {source}")]
    Decode {
        what: String,
        typename: String,
        #[source]
        source: BoxError,
    },
}
