use std::fmt;

use bytes::Bytes;
use bytestring::ByteString;

use crate::TypeName;
use crate::types::{
    self, BoolType, DoubleType, FloatType, IntType, LongType, StringType, Type, ValueError,
};
use crate::wire::TypedValueView;

/// A message a function receives: a typename and, usually, a value.
///
/// Check its type with [`is`](Self::is) (or `is_string`, `is_int`, …) and read it with
/// [`as_type`](Self::as_type) (or `as_string`, `as_int`, …). Reading checks the typename:
/// reading an `io.statefun.types/long` as an int is an error naming both types.
///
/// ```
/// use statefun_sdk::Message;
/// use statefun_sdk::types::IntType;
///
/// let message = Message::from_value(&IntType, &42).unwrap();
/// assert!(message.is_int());
/// assert_eq!(message.as_int().unwrap(), 42);
/// assert_eq!(
///     message.as_string().unwrap_err().to_string(),
///     "expected a value of type `io.statefun.types/string`, but it has type `io.statefun.types/int`"
/// );
/// ```
#[derive(Clone)]
pub struct Message {
    typename: ByteString,
    has_value: bool,
    value: Bytes,
}

impl Message {
    pub(crate) fn from_view(view: Option<TypedValueView>) -> Message {
        match view {
            Some(view) => Message {
                typename: view.typename,
                has_value: view.has_value,
                value: view.value,
            },
            None => Message {
                typename: ByteString::new(),
                has_value: false,
                value: Bytes::new(),
            },
        }
    }

    /// A message holding `value` of type `ty`, as the runtime would deliver it; for tests.
    pub fn from_value<T: Type>(ty: &T, value: &T::Value) -> Result<Message, ValueError> {
        Ok(Message {
            typename: ByteString::from(ty.typename().to_string()),
            has_value: true,
            value: types::serialize_to_bytes(ty, value)?,
        })
    }

    /// The typename of the value, `namespace/name`; empty when the runtime sent none.
    pub fn typename(&self) -> &str {
        &self.typename
    }

    /// Whether a value is present. The runtime always sends one; a message without value
    /// can only come from a hand-made request.
    pub fn has_value(&self) -> bool {
        self.has_value
    }

    /// The serialized value, if present.
    pub fn raw_value(&self) -> Option<&Bytes> {
        self.has_value.then_some(&self.value)
    }

    /// Whether the value has the typename of `ty`.
    pub fn is<T: Type>(&self, ty: &T) -> bool {
        ty.typename().matches(&self.typename)
    }

    /// The value read as `ty`; an error if the typename differs, the value is absent, or
    /// it cannot be decoded.
    pub fn as_type<T: Type>(&self, ty: &T) -> Result<T::Value, ValueError> {
        if !self.is(ty) {
            return Err(ValueError::mismatch_of(
                ty.typename(),
                &self.typename,
                &self.value,
            ));
        }
        self.read(ty)
    }

    /// The value read as `ty` if the message has its typename, `None` if it has another;
    /// an error only if it has the typename but cannot be read.
    ///
    /// It tells the types apart with the typename written once per type:
    ///
    /// ```
    /// use statefun_sdk::types::{IntType, StringType};
    /// use statefun_sdk::{Error, Message};
    ///
    /// fn describe(message: &Message) -> Result<String, Error> {
    ///     if let Some(number) = message.try_as(&IntType)? {
    ///         Ok(format!("the number {number}"))
    ///     } else if let Some(text) = message.try_as(&StringType)? {
    ///         Ok(format!("the text {text:?}"))
    ///     } else {
    ///         Err(Error::msg(format!("unexpected `{}`", message.typename())))
    ///     }
    /// }
    ///
    /// let message = Message::from_value(&IntType, &7).unwrap();
    /// assert_eq!(describe(&message).unwrap(), "the number 7");
    /// ```
    ///
    /// [`dispatch!`](crate::dispatch) does the same as one `match`, with an error naming
    /// the handled types for any other.
    pub fn try_as<T: Type>(&self, ty: &T) -> Result<Option<T::Value>, ValueError> {
        if !self.is(ty) {
            return Ok(None);
        }
        self.read(ty).map(Some)
    }

    /// The value as `ty`, whose typename it has.
    fn read<T: Type>(&self, ty: &T) -> Result<T::Value, ValueError> {
        if !self.has_value {
            return Err(ValueError::absent(&self.typename));
        }
        types::deserialize_bytes(ty, self.value.clone()).map_err(|error| {
            if types::is_unwrapped_text(&self.typename, &self.value) {
                ValueError::unwrapped_string()
            } else {
                error
            }
        })
    }

    #[doc(hidden)]
    /// The error of [`dispatch!`](crate::dispatch) for a message no arm handles.
    pub fn __unhandled(&self, handled: &[&TypeName]) -> ValueError {
        ValueError::unhandled(
            &self.typename,
            handled.iter().map(|t| (*t).clone()).collect(),
        )
    }

    /// The value of an `io.statefun.types/string`, borrowed from the request rather than
    /// copied into a `String` as [`as_string`](Self::as_string) does.
    ///
    /// ```
    /// use statefun_sdk::Message;
    /// use statefun_sdk::types::StringType;
    ///
    /// let message = Message::from_value(&StringType, &"bob".to_owned()).unwrap();
    /// assert_eq!(message.as_str().unwrap(), "bob");
    /// ```
    pub fn as_str(&self) -> Result<&str, ValueError> {
        let typename = StringType.typename();
        if !typename.matches(&self.typename) {
            return Err(ValueError::mismatch(typename, &self.typename));
        }
        if !self.has_value {
            return Err(ValueError::absent(&self.typename));
        }
        types::read_str(&self.value).map_err(|source| {
            if types::is_unwrapped_text(&self.typename, &self.value) {
                ValueError::unwrapped_string()
            } else {
                types::deserialize_error(typename, source)
            }
        })
    }
}

macro_rules! builtin_accessors {
    ($($is:ident $as:ident $ty:ident $value:ty, $what:literal;)*) => {
        impl Message {
            $(
                #[doc = concat!("Whether the value is ", $what, ".")]
                pub fn $is(&self) -> bool {
                    self.is(&$ty)
                }

                #[doc = concat!("The value as ", $what, ".")]
                pub fn $as(&self) -> Result<$value, ValueError> {
                    self.as_type(&$ty)
                }
            )*
        }
    };
}

builtin_accessors! {
    is_bool as_bool BoolType bool, "an `io.statefun.types/bool`";
    is_int as_int IntType i32, "an `io.statefun.types/int`";
    is_long as_long LongType i64, "an `io.statefun.types/long`";
    is_float as_float FloatType f32, "an `io.statefun.types/float`";
    is_double as_double DoubleType f64, "an `io.statefun.types/double`";
    is_string as_string StringType String, "an `io.statefun.types/string`";
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("typename", &self.typename)
            .field(
                "value",
                &self
                    .raw_value()
                    .map(Bytes::len)
                    .map(|n| format!("{n} bytes")),
            )
            .finish()
    }
}

/// Reads a [`Message`] as the first of several types whose typename it has, like a `match`
/// on its type: each arm names a [`Type`](crate::types::Type) once and binds its value.
///
/// Each arm's type is a path to a [`Type`](crate::types::Type) value: a constant or a unit
/// struct such as `IntType`. It evaluates to `Result<R, ValueError>`: `Ok` with the value
/// of the arm that ran, or an error when the message has a handled typename but cannot be
/// read, or has none of them; that error names the message's typename and every handled
/// one. An `else { .. }` block after the arms handles any other type instead. The arms are inline code,
/// so `?` and `return` in an arm act on the enclosing function, as in a `match`.
///
/// ```
/// use statefun_sdk::types::{IntType, StringType};
/// use statefun_sdk::{Context, Error, Message, ValueSpec, dispatch};
///
/// static TOTAL: ValueSpec<IntType> = ValueSpec::new("total", IntType);
///
/// async fn counter(ctx: &mut Context, message: Message) -> Result<(), Error> {
///     dispatch!(message, {
///         IntType => |n| ctx.storage().update(&TOTAL, |t| *t = Some(t.unwrap_or(0) + n))?,
///         StringType => |command| match command.as_str() {
///             "reset" => ctx.storage().remove(&TOTAL)?,
///             other => return Err(Error::msg(format!("unknown command {other:?}"))),
///         },
///     })?;
///     Ok(())
/// }
///
/// // Any other type is an error naming the handled ones.
/// # use statefun_sdk::types::BoolType;
/// let message = Message::from_value(&BoolType, &true).unwrap();
/// let error = dispatch!(message, { IntType => |n| n, })
///     .unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "no arm handles a message of type `io.statefun.types/bool`; this function handles `io.statefun.types/int`"
/// );
///
/// // Or a fallback arm handles them.
/// let described = dispatch!(message, {
///     IntType => |n| format!("the number {n}"),
/// } else {
///     format!("a `{}`", message.typename())
/// });
/// assert_eq!(described.unwrap(), "a `io.statefun.types/bool`");
/// ```
#[macro_export]
macro_rules! dispatch {
    ($message:expr, { $($ty:path => |$value:pat_param| $arm:expr),+ $(,)? } else $fallback:block) => {
        $crate::dispatch!(@arms $message, { $($ty => |$value| $arm),+ } else |_message| {
            ::core::result::Result::Ok($fallback)
        })
    };
    ($message:expr, { $($ty:path => |$value:pat_param| $arm:expr),+ $(,)? }) => {
        $crate::dispatch!(@arms $message, { $($ty => |$value| $arm),+ } else |message| {
            ::core::result::Result::Err(message.__unhandled(&[
                $($crate::types::Type::typename(&$ty)),+
            ]))
        })
    };
    (@arms $message:expr, { $($ty:path => |$value:pat_param| $arm:expr),+ } else |$unhandled:ident| $otherwise:expr) => {{
        let $unhandled: &$crate::Message = &$message;
        // An arm that returns from the function makes its `Ok(..)` unreachable, which is
        // what the user wrote: not worth a warning.
        #[allow(unreachable_code)]
        let outcome: ::core::result::Result<_, $crate::types::ValueError> = 'dispatch: {
            $(
                if $unhandled.is(&$ty) {
                    break 'dispatch match $unhandled.as_type(&$ty) {
                        ::core::result::Result::Ok($value) => ::core::result::Result::Ok($arm),
                        ::core::result::Result::Err(error) => ::core::result::Result::Err(error),
                    };
                }
            )+
            $otherwise
        };
        outcome
    }};
}
