//! Remote functions written directly on `statefun-protocol`, served in process or over
//! real HTTP, for the runtime's end-to-end tests. They follow the SDKs' handler rules:
//! missing states give an `IncompleteInvocationContext`, invocations run in batch order over
//! one storage view, and only changed states produce mutations.

#![allow(dead_code, unused_imports)]

pub mod function;
pub mod server;

pub use function::{Context, Functions};
pub use server::TestServer;

use statefun_protocol::types::{IntWrapper, StringWrapper};
use statefun_protocol::{TypedValue, typename};

/// An `io.statefun.types/int` value.
pub fn int(value: i32) -> TypedValue {
    TypedValue::new(
        typename::INT,
        prost::Message::encode_to_vec(&IntWrapper { value }),
    )
}

/// An `io.statefun.types/string` value.
pub fn string(value: &str) -> TypedValue {
    TypedValue::new(
        typename::STRING,
        prost::Message::encode_to_vec(&StringWrapper {
            value: value.to_owned(),
        }),
    )
}

/// Reads an `io.statefun.types/int` value.
pub fn as_int(value: &TypedValue) -> i32 {
    assert_eq!(value.typename, typename::INT);
    <IntWrapper as prost::Message>::decode(value.value.clone())
        .unwrap()
        .value
}

/// Reads an `io.statefun.types/string` value.
pub fn as_string(value: &TypedValue) -> String {
    assert_eq!(value.typename, typename::STRING);
    <StringWrapper as prost::Message>::decode(value.value.clone())
        .unwrap()
        .value
}
