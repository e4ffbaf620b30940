use bytes::Bytes;

use crate::TypedValue;

impl TypedValue {
    /// A present value: `typename` with the serialized `value` (which may be empty).
    ///
    /// ```
    /// use statefun_protocol::TypedValue;
    ///
    /// let zero = TypedValue::new("io.statefun.types/int", bytes::Bytes::new());
    /// assert_eq!(zero.value(), Some(&bytes::Bytes::new()));
    /// ```
    pub fn new(typename: impl Into<String>, value: impl Into<Bytes>) -> Self {
        Self {
            typename: typename.into(),
            has_value: true,
            value: value.into(),
        }
    }

    /// No value, tagged with `typename`.
    ///
    /// ```
    /// use statefun_protocol::TypedValue;
    ///
    /// assert_eq!(TypedValue::absent("io.statefun.types/int").value(), None);
    /// ```
    pub fn absent(typename: impl Into<String>) -> Self {
        Self {
            typename: typename.into(),
            has_value: false,
            value: Bytes::new(),
        }
    }

    /// Whether a value is present (`has_value`), even an empty one.
    pub fn is_present(&self) -> bool {
        self.has_value
    }

    /// The serialized value, or `None` when `has_value` is false, whatever bytes
    /// `value` holds then.
    pub fn value(&self) -> Option<&Bytes> {
        self.has_value.then_some(&self.value)
    }

    /// Like [`value`](Self::value), taking ownership.
    pub fn into_value(self) -> Option<Bytes> {
        self.has_value.then_some(self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_bytes_without_has_value_read_as_absent() {
        let value = TypedValue {
            typename: "io.statefun.types/int".into(),
            has_value: false,
            value: Bytes::from_static(&[0x0D, 1, 0, 0, 0]),
        };
        assert!(!value.is_present());
        assert_eq!(value.value(), None);
        assert_eq!(value.into_value(), None);
    }

    #[test]
    fn empty_present_value_is_some() {
        let value = TypedValue::new("io.statefun.types/bool", Bytes::new());
        assert!(value.is_present());
        assert_eq!(value.into_value(), Some(Bytes::new()));
    }
}
