//! The states of a 2.x batch: exactly the request's entries, in the request's order, each
//! a serialized `google.protobuf.Any` that is parsed only when read.

use bytes::Bytes;
use bytestring::ByteString;

use super::any;
use super::decode::{decode_state_any, peek_state_any};
use crate::TypeName;
use crate::storage::{StateError, StateErrorKind};
use crate::types::{self, Type};

/// The value of one state during the batch.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// No value: none was sent, or it was deleted.
    Absent,
    /// The serialized `Any` the runtime sent, unparsed.
    Received(Bytes),
    /// Written in this batch: the type URL (see [`any`]) and the value bytes.
    Written { type_url: TypeName, value: Bytes },
}

#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub(crate) name: ByteString,
    pub(crate) value: Value,
    pub(crate) modified: bool,
}

/// A type URL and value bytes: a state's `Any`, borrowed from the request or the batch.
pub(crate) struct AnyParts {
    pub(crate) type_url: ByteString,
    pub(crate) value: Bytes,
}

/// The request's states. A name the request does not carry is an error: 2.x has no state
/// negotiation, the runtime sends exactly the states `module.yaml` declares.
#[derive(Debug, Clone, Default)]
pub(crate) struct StateTable {
    function: Option<TypeName>,
    slots: Vec<Slot>,
}

impl StateTable {
    /// The entries of a request; when the runtime repeats a name, the first position and
    /// the last value count, as in the 2.x Python SDK.
    pub(crate) fn new(function: TypeName, mut slots: Vec<Slot>) -> StateTable {
        let mut i = 1;
        while i < slots.len() {
            match slots[..i]
                .iter()
                .position(|slot| slot.name == slots[i].name)
            {
                Some(first) => {
                    let later = slots.remove(i);
                    slots[first].value = later.value;
                }
                None => i += 1,
            }
        }
        StateTable {
            function: Some(function),
            slots,
        }
    }

    /// The slots, to reuse; the table is left empty.
    pub(crate) fn into_slots(self) -> Vec<Slot> {
        self.slots
    }

    pub(crate) fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.slots.iter().any(|slot| slot.name == name)
    }

    fn index(&self, name: &str) -> Result<usize, StateError> {
        self.slots
            .iter()
            .position(|slot| slot.name == name)
            .ok_or_else(|| {
                StateErrorKind::NotInRequest {
                    name: name.to_owned(),
                    function: self.function.clone().unwrap_or_else(|| {
                        TypeName::from_parts(ByteString::new(), ByteString::new())
                    }),
                }
                .into()
            })
    }

    /// The state's `Any` as stored, or `None` when absent.
    pub(crate) fn get_any(
        &self,
        name: &str,
        typename: &TypeName,
    ) -> Result<Option<AnyParts>, StateError> {
        match &self.slots[self.index(name)?].value {
            Value::Absent => Ok(None),
            Value::Received(bytes) => {
                let (type_url, value) =
                    decode_state_any(bytes).map_err(|error| StateErrorKind::Value {
                        name: name.to_owned(),
                        source: types::deserialize_error(typename, Box::new(error)),
                    })?;
                Ok(Some(AnyParts { type_url, value }))
            }
            Value::Written { type_url, value } => Ok(Some(AnyParts {
                type_url: ByteString::from(any::url_string(type_url)),
                value: value.clone(),
            })),
        }
    }

    /// The state read as a `T`: its type URL must name `T`'s type (any prefix).
    pub(crate) fn get<T: Type>(&self, name: &str, ty: &T) -> Result<Option<T::Value>, StateError> {
        let index = self.index(name)?;
        let (matches, value) = match &self.slots[index].value {
            Value::Absent => return Ok(None),
            Value::Written { type_url, value } => (
                type_url.name() == ty.typename().name() && !type_url.namespace().is_empty(),
                value.clone(),
            ),
            Value::Received(bytes) => {
                let (type_url, value) =
                    peek_state_any(bytes).map_err(|error| StateErrorKind::Value {
                        name: name.to_owned(),
                        source: types::deserialize_error(ty.typename(), Box::new(error)),
                    })?;
                if !any::url_bytes_name(type_url, ty.typename()) {
                    return Err(StateErrorKind::ReceivedOtherType {
                        name: name.to_owned(),
                        declared: ty.typename().clone(),
                        received: String::from_utf8_lossy(type_url).into_owned(),
                    }
                    .into());
                }
                (true, value)
            }
        };
        if !matches {
            let Value::Written { type_url, .. } = &self.slots[index].value else {
                unreachable!("only written values are compared here")
            };
            return Err(StateErrorKind::ReceivedOtherType {
                name: name.to_owned(),
                declared: ty.typename().clone(),
                received: any::url_string(type_url),
            }
            .into());
        }
        types::deserialize_bytes(ty, value)
            .map(Some)
            .map_err(|source| {
                StateErrorKind::Value {
                    name: name.to_owned(),
                    source,
                }
                .into()
            })
    }

    /// Stores `value`, packed under `type_url`.
    pub(crate) fn set(
        &mut self,
        name: &str,
        type_url: TypeName,
        value: Bytes,
    ) -> Result<(), StateError> {
        let index = self.index(name)?;
        let slot = &mut self.slots[index];
        slot.value = Value::Written { type_url, value };
        slot.modified = true;
        Ok(())
    }

    pub(crate) fn remove(&mut self, name: &str) -> Result<(), StateError> {
        let index = self.index(name)?;
        let slot = &mut self.slots[index];
        slot.value = Value::Absent;
        slot.modified = true;
        Ok(())
    }
}
