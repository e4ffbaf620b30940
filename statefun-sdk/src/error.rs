use std::fmt;

use crate::types::BoxError;

/// The error a function returns: any error converts into it with `?`.
///
/// Returning an error fails the whole batch: the SDK answers the runtime with HTTP 500 and
/// none of the batch's effects, and the runtime retries the batch.
///
/// Everything that converts into a [`BoxError`] converts with `?`: any
/// `std::error::Error + Send + Sync`, a `BoxError` itself, an `anyhow::Error`, and text
/// (`&str`, `String`). The error keeps its [`source`](std::error::Error::source) chain,
/// which the SDK logs and answers with.
///
/// ```
/// use statefun_sdk::Error;
///
/// fn parse(text: &str) -> Result<u32, Error> {
///     let number: u32 = text.parse()?; // any std error converts
///     if number == 0 {
///         return Err(Error::msg("zero is not allowed"));
///     }
///     Ok(number)
/// }
/// assert_eq!(parse("x").unwrap_err().to_string(), "invalid digit found in string");
/// assert_eq!(parse("0").unwrap_err().to_string(), "zero is not allowed");
/// ```
///
/// A boxed error, or one from a library that returns `anyhow::Error`, converts the same way:
///
/// ```
/// use statefun_sdk::Error;
/// use statefun_sdk::types::BoxError;
///
/// fn lookup() -> Result<u32, BoxError> {
///     Err("the account service is down".into())
/// }
///
/// fn function() -> Result<(), Error> {
///     let _balance = lookup()?;
///     Ok(())
/// }
/// assert_eq!(function().unwrap_err().to_string(), "the account service is down");
/// ```
pub struct Error {
    inner: BoxError,
}

#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Message {}

impl Error {
    /// An error with just a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Error {
            inner: Box::new(Message(message.to_string())),
        }
    }

    /// The underlying error.
    pub fn as_std(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.inner
    }

    /// The underlying error, owned.
    pub fn into_inner(self) -> BoxError {
        self.inner
    }
}

/// Through `Into<BoxError>` rather than `std::error::Error`, so that the errors that are
/// not `std::error::Error` themselves but box into one (`BoxError`, `anyhow::Error`) convert
/// too, without a feature or a dependency. `Error` does not implement
/// `std::error::Error`, which keeps this impl coherent with `From<Error> for Error`.
impl<E: Into<BoxError>> From<E> for Error {
    fn from(error: E) -> Self {
        Error {
            inner: error.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}
