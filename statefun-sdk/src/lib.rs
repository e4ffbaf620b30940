//! Write Apache Flink Stateful Functions (StateFun) remote functions in Rust.
//!
//! (The guide is being written.)

#![deny(missing_docs)]

mod address;
mod arena;
mod context;
mod egress;
mod error;
mod function;
mod handler;
pub mod http;
mod message;
mod outgoing;
mod payload;
mod spare;
mod storage;
mod type_name;
pub mod types;
mod value_spec;
mod wire;

pub use address::Address;
pub use context::Context;
pub use egress::{EgressBuilder, EgressMessage, KafkaEgressBuilder, KinesisEgressBuilder};
pub use error::Error;
pub use function::{AsyncFunction, FunctionSpec, StatefulFunction};
pub use handler::{
    BuildError, HandlerBuilder, HandlerError, HandlerErrorKind, RequestReplyHandler,
};
pub use message::Message;
pub use outgoing::{CancellationToken, MessageBuilder, MessageError, OutgoingMessage};
pub use storage::{StateError, Storage};
pub use type_name::{TypeName, TypeNameError};
pub use value_spec::{Expiration, ValueSpec, ValueSpecError};

/// The wire messages, from the `statefun-protocol` crate.
pub use statefun_protocol as protocol;
