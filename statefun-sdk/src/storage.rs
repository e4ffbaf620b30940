use std::borrow::Borrow;
use std::sync::Arc;

use bytes::Bytes;
use bytestring::ByteString;

use crate::effects::Mutation;
use crate::types::{self, Type, ValueError};
use crate::v2::StateTable;
use crate::value_spec::DeclaredState;
use crate::{TypeName, ValueSpec};

/// Why a state could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StateError(Box<StateErrorKind>);

impl From<StateErrorKind> for StateError {
    fn from(kind: StateErrorKind) -> Self {
        StateError(Box::new(kind))
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum StateErrorKind {
    #[error(
        "the state `{name}` is not in the request to function `{function}`; with StateFun 2.x declare it in module.yaml (`states:` of the function's spec)"
    )]
    NotInRequest { name: String, function: TypeName },
    #[error(
        "the state `{name}` is not declared by function `{function}`; add its ValueSpec with FunctionSpec::with_state"
    )]
    Undeclared { name: String, function: TypeName },
    #[error("the state `{name}` is declared with type `{declared}` but accessed as `{accessed}`")]
    WrongType {
        name: String,
        declared: TypeName,
        accessed: TypeName,
    },
    #[error(
        "the runtime sent the state `{name}` with type `{received}`, but it is declared with type `{declared}`"
    )]
    ReceivedOtherType {
        name: String,
        declared: TypeName,
        received: String,
    },
    #[error("state `{name}`: {source}")]
    Value {
        name: String,
        #[source]
        source: ValueError,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Cell {
    /// `None`: absent (no value, or deleted during this batch).
    value: Option<Bytes>,
    /// The typename the runtime sent with the value, until the function writes it.
    received_typename: Option<ByteString>,
    modified: bool,
}

impl Cell {
    pub(crate) fn received(value: Option<(ByteString, Bytes)>) -> Cell {
        match value {
            Some((typename, bytes)) => Cell {
                value: Some(bytes),
                received_typename: Some(typename),
                modified: false,
            },
            None => Cell {
                value: None,
                received_typename: None,
                modified: false,
            },
        }
    }
}

/// The persisted values of the function instance being invoked, shared by every
/// invocation of a batch: a write by one invocation is seen by the next.
///
/// Reach it with [`Context::storage`](crate::Context::storage). Only the specs the function
/// declared can be used; any other is an error, not a panic.
#[derive(Debug)]
pub struct Storage {
    function: TypeName,
    declared: Arc<[DeclaredState]>,
    cells: Vec<Cell>,
    /// On StateFun 2.x the states are the request's, not the declared ones.
    request_states: Option<StateTable>,
}

impl Storage {
    /// `cells` may come with room left by an earlier batch, as
    /// [`take_cells`](Self::take_cells) gives them back.
    pub(crate) fn new(
        function: TypeName,
        declared: Arc<[DeclaredState]>,
        cells: Vec<Cell>,
    ) -> Storage {
        debug_assert_eq!(declared.len(), cells.len());
        Storage {
            function,
            declared,
            cells,
            request_states: None,
        }
    }

    /// A StateFun 2.x storage: the request's states.
    pub(crate) fn with_request_states(
        function: TypeName,
        declared: Arc<[DeclaredState]>,
        states: StateTable,
    ) -> Storage {
        Storage {
            function,
            declared,
            cells: Vec::new(),
            request_states: Some(states),
        }
    }

    pub(crate) fn request_states(&self) -> Option<&StateTable> {
        self.request_states.as_ref()
    }

    pub(crate) fn take_request_states(&mut self) -> Option<StateTable> {
        self.request_states.take()
    }

    /// The value as a `google.protobuf.Any`, or `None` if it has none: on StateFun 2.x the
    /// state exactly as stored, on 3.x its typename as type URL and its bytes.
    pub fn get_any<T: Type>(
        &self,
        spec: &ValueSpec<T>,
    ) -> Result<Option<prost_types::Any>, StateError> {
        if let Some(states) = &self.request_states {
            return Ok(states.get_any(spec.name(), spec.typename())?.map(|parts| {
                prost_types::Any {
                    type_url: parts.type_url.to_string(),
                    value: parts.value.to_vec(),
                }
            }));
        }
        let cell = &self.cells[self.index_of(spec)?];
        Ok(cell.value.as_ref().map(|bytes| prost_types::Any {
            type_url: cell
                .received_typename
                .as_ref()
                .map_or_else(|| spec.typename().to_string(), |t| t.to_string()),
            value: bytes.to_vec(),
        }))
    }

    /// Replaces the value with `any` as it is. On StateFun 2.x the state becomes the
    /// serialized `any`, whatever its type URL; on 3.x the type URL must be the spec's
    /// typename.
    pub fn set_any<T: Type>(
        &mut self,
        spec: &ValueSpec<T>,
        any: prost_types::Any,
    ) -> Result<(), StateError> {
        if let Some(states) = &mut self.request_states {
            return states.set(
                spec.name(),
                crate::v2::typename_of_url(&any.type_url),
                any.value.into(),
            );
        }
        let index = self.index_of(spec)?;
        if !spec.typename().matches(&any.type_url) {
            return Err(StateErrorKind::WrongType {
                name: spec.name().to_owned(),
                declared: spec.typename().clone(),
                accessed: crate::v2::typename_of_url(&any.type_url),
            }
            .into());
        }
        self.cells[index] = Cell {
            value: Some(any.value.into()),
            received_typename: None,
            modified: true,
        };
        Ok(())
    }

    /// The cells, to reuse; the storage is left empty.
    pub(crate) fn take_cells(&mut self) -> Vec<Cell> {
        std::mem::take(&mut self.cells)
    }

    fn index_of<T: Type>(&self, spec: &ValueSpec<T>) -> Result<usize, StateError> {
        let index = self
            .declared
            .iter()
            .position(|d| d.name == spec.name())
            .ok_or_else(|| StateErrorKind::Undeclared {
                name: spec.name().to_owned(),
                function: self.function.clone(),
            })?;
        let declared = &self.declared[index].typename;
        if declared != spec.typename() {
            return Err(StateErrorKind::WrongType {
                name: spec.name().to_owned(),
                declared: declared.clone(),
                accessed: spec.typename().clone(),
            }
            .into());
        }
        Ok(index)
    }

    /// The current value, or `None` if it has none.
    pub fn get<T: Type>(&self, spec: &ValueSpec<T>) -> Result<Option<T::Value>, StateError> {
        if let Some(states) = &self.request_states {
            return states.get(spec.name(), spec.value_type());
        }
        let cell = &self.cells[self.index_of(spec)?];
        let Some(bytes) = &cell.value else {
            return Ok(None);
        };
        if let Some(received) = &cell.received_typename
            && !spec.typename().matches(received)
        {
            return Err(StateErrorKind::ReceivedOtherType {
                name: spec.name().to_owned(),
                declared: spec.typename().clone(),
                received: received.to_string(),
            }
            .into());
        }
        types::deserialize_bytes(spec.value_type(), bytes.clone())
            .map(Some)
            .map_err(|source| {
                StateErrorKind::Value {
                    name: spec.name().to_owned(),
                    source,
                }
                .into()
            })
    }

    /// The current value, or `T::Value::default()` if it has none.
    ///
    /// ```
    /// # use statefun_sdk::{Context, Error, Message, ValueSpec};
    /// # use statefun_sdk::types::IntType;
    /// static VISITS: ValueSpec<IntType> = ValueSpec::new("visits", IntType);
    ///
    /// async fn greeter(ctx: &mut Context, _message: Message) -> Result<(), Error> {
    ///     let visits = ctx.storage().get_or_default(&VISITS)? + 1;
    ///     ctx.storage().set(&VISITS, visits)?;
    ///     Ok(())
    /// }
    /// ```
    pub fn get_or_default<T: Type>(&self, spec: &ValueSpec<T>) -> Result<T::Value, StateError>
    where
        T::Value: Default,
    {
        Ok(self.get(spec)?.unwrap_or_default())
    }

    /// Reads the value (`None` when absent), lets `f` change it, and writes back what `f`
    /// leaves: `Some` sets the value, `None` removes it. Returns what `f` returns.
    ///
    /// Nothing is written when reading fails, nor when the value was absent and `f` left
    /// it so; otherwise the write counts even if `f` changed nothing, as with
    /// [`set`](Self::set).
    ///
    /// ```
    /// # use statefun_sdk::{Context, Error, Message, ValueSpec};
    /// # use statefun_sdk::types::LongType;
    /// static BALANCE: ValueSpec<LongType> = ValueSpec::new("balance", LongType);
    ///
    /// async fn account(ctx: &mut Context, message: Message) -> Result<(), Error> {
    ///     let amount = message.as_long()?;
    ///     let balance = ctx.storage().update(&BALANCE, |balance| {
    ///         let new = balance.unwrap_or(0) + amount;
    ///         *balance = Some(new);
    ///         new
    ///     })?;
    ///     if balance < 0 {
    ///         return Err(Error::msg(format!("overdrawn: {balance}")));
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn update<T: Type, R>(
        &mut self,
        spec: &ValueSpec<T>,
        f: impl FnOnce(&mut Option<T::Value>) -> R,
    ) -> Result<R, StateError> {
        let mut value = self.get(spec)?;
        let was_present = value.is_some();
        let result = f(&mut value);
        match value {
            Some(value) => self.set(spec, value)?,
            None if was_present => self.remove(spec)?,
            None => {}
        }
        Ok(result)
    }

    /// Replaces the value. Writing the value it already has still counts as a write.
    pub fn set<T: Type>(
        &mut self,
        spec: &ValueSpec<T>,
        value: impl Borrow<T::Value>,
    ) -> Result<(), StateError> {
        if let Some(states) = &mut self.request_states {
            let bytes =
                types::serialize_to_bytes(spec.value_type(), value.borrow()).map_err(|source| {
                    StateErrorKind::Value {
                        name: spec.name().to_owned(),
                        source,
                    }
                })?;
            return states.set(spec.name(), spec.typename().clone(), bytes);
        }
        let index = self.index_of(spec)?;
        // Serialized into the thread's arena: a counter written by every invocation of a
        // batch costs no allocation.
        let bytes =
            types::serialize_to_bytes(spec.value_type(), value.borrow()).map_err(|source| {
                StateErrorKind::Value {
                    name: spec.name().to_owned(),
                    source,
                }
            })?;
        self.cells[index] = Cell {
            value: Some(bytes),
            received_typename: None,
            modified: true,
        };
        Ok(())
    }

    /// Removes the value; removing an absent value still counts as a write.
    pub fn remove<T: Type>(&mut self, spec: &ValueSpec<T>) -> Result<(), StateError> {
        if let Some(states) = &mut self.request_states {
            return states.remove(spec.name());
        }
        let index = self.index_of(spec)?;
        self.cells[index] = Cell {
            value: None,
            received_typename: None,
            modified: true,
        };
        Ok(())
    }

    /// One mutation per modified state, in declaration order, with its final value.
    pub(crate) fn mutations(&self) -> impl Iterator<Item = Mutation<'_>> + Clone {
        self.declared
            .iter()
            .zip(&self.cells)
            .filter(|(_, cell)| cell.modified)
            .map(|(declared, cell)| Mutation {
                name: &declared.name,
                typename: &declared.typename,
                value: cell.value.as_ref(),
            })
    }
}
