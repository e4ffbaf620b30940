//! Where egress records go: a sink per egress id (`namespace/type`).

mod captured;
mod logged;

use statefun_protocol::TypedValue;

pub use captured::CapturedEgress;
pub use logged::{LoggedEgress, RecordFormat};

use crate::transport::BoxError;

/// Receives the records functions send to one egress.
///
/// The engine calls [`check`](Self::check) for every record of a response before it applies
/// anything, so a rejected record leaves no partial effect, then [`accept`](Self::accept)
/// in response order.
pub trait EgressSink: Send + Sync + 'static {
    /// Whether `value` is a record this egress can take.
    fn check(&self, value: &TypedValue) -> Result<(), EgressRejection>;

    /// Takes a record that passed [`check`](Self::check).
    fn accept(&self, value: TypedValue);
}

/// Why an egress refuses a record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EgressRejection {
    /// The record's typename is not the one this egress takes.
    #[error("expected a record of type `{expected}`, got `{found}`")]
    WrongTypename {
        /// The typename this egress takes.
        expected: String,
        /// The typename the record had.
        found: String,
    },
    /// The record's bytes cannot be read.
    #[error("the record cannot be read: {0}")]
    Malformed(#[source] BoxError),
    /// The record names a topic this egress does not have.
    #[error("the topic `{0}` is not declared")]
    UndeclaredTopic(String),
}

/// Checks that `value` has the typename `expected`.
pub(crate) fn expect_typename(value: &TypedValue, expected: &str) -> Result<(), EgressRejection> {
    if value.typename == expected {
        Ok(())
    } else {
        Err(EgressRejection::WrongTypename {
            expected: expected.to_owned(),
            found: value.typename.clone(),
        })
    }
}
