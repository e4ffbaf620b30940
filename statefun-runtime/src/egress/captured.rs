use std::sync::{Arc, Mutex, PoisonError};

use statefun_protocol::TypedValue;

use super::{EgressRejection, EgressSink};

/// Keeps every record, for tests to read. Clones share the same records.
///
/// ```
/// use statefun_runtime::egress::{CapturedEgress, EgressSink};
/// use statefun_runtime::protocol::TypedValue;
///
/// let egress = CapturedEgress::default();
/// egress.accept(TypedValue::new("example/Out", &b"hi"[..]));
/// assert_eq!(egress.records().len(), 1);
/// assert_eq!(egress.take().len(), 1);
/// assert!(egress.records().is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct CapturedEgress {
    records: Arc<Mutex<Vec<TypedValue>>>,
}

impl CapturedEgress {
    /// The records so far, oldest first.
    pub fn records(&self) -> Vec<TypedValue> {
        self.lock().clone()
    }

    /// The records so far, oldest first, leaving none behind.
    pub fn take(&self) -> Vec<TypedValue> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<TypedValue>> {
        // A panic elsewhere cannot leave a Vec half-pushed, so the records stay usable.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl EgressSink for CapturedEgress {
    fn check(&self, _value: &TypedValue) -> Result<(), EgressRejection> {
        Ok(())
    }

    fn accept(&self, value: TypedValue) {
        self.lock().push(value);
    }
}
