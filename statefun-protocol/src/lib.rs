//! Wire messages of Apache Flink Stateful Functions (StateFun) remote functions.
//!
//! A StateFun runtime POSTs a [`ToFunction`] to a function's HTTP endpoint and expects a
//! [`FromFunction`] back. This crate holds those messages as [`prost`] types, generated from
//! the schemas in the repository's `proto/` folder, plus a few conveniences. It knows nothing
//! about functions or runtimes: the `statefun-sdk-rust` and `statefun-runtime` crates sit on
//! either side of it.
//!
//! Every `bytes` field is a [`bytes::Bytes`], so decoding from a `Bytes` request body
//! borrows payloads from that buffer instead of copying them.
//!
//! ```
//! use prost::Message;
//! use statefun_protocol::{Address, ToFunction, TypedValue};
//! use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, Request};
//!
//! let request = ToFunction {
//!     request: Some(Request::Invocation(InvocationBatchRequest {
//!         target: Some(Address::new("example", "greeter", "bob")),
//!         state: vec![],
//!         invocations: vec![Invocation {
//!             caller: None,
//!             argument: Some(TypedValue::new("example/Name", &b"Bob"[..])),
//!         }],
//!     })),
//! };
//! let bytes = bytes::Bytes::from(request.encode_to_vec());
//! let decoded = ToFunction::decode(bytes).unwrap();
//! assert_eq!(decoded, request);
//! ```
//!
//! # Modules
//!
//! - [`reqreply`]: the 3.x protocol (package `io.statefun.sdk.reqreply`); its main types
//!   are re-exported at the crate root.
//! - [`types`]: wrappers of the built-in types `io.statefun.types/*`.
//! - [`egress`]: Kafka and Kinesis egress records.
//! - [`v2`]: the older 2.x protocol, whose payloads are [`prost_types::Any`].
//! - [`typename`]: typenames the wire protocol gives a fixed meaning.
//! - [`wire`]: the wire format read and written by hand, for codecs that read messages in
//!   place; equal to prost in what it accepts.

#![deny(missing_docs)]

mod address;
mod any;
mod typed_value;
pub mod typename;
pub mod wire;

pub use address::AddressParseError;
pub use any::AbsentValueError;
pub use reqreply::{Address, FromFunction, ToFunction, TypedValue, from_function, to_function};

/// The only content type the runtime sends and accepts, in both directions.
pub const CONTENT_TYPE: &str = "application/octet-stream";

/// The StateFun 3.x request-reply protocol (package `io.statefun.sdk.reqreply`).
pub mod reqreply {
    #![allow(missing_docs)]
    include!("generated/io.statefun.sdk.reqreply.rs");
}

/// Wrappers of the built-in types (package `io.statefun.sdk.types`).
///
/// The `value` of a [`TypedValue`] of a built-in type is one of these messages serialized.
/// prost leaves a field at its default value out, which is the canonical encoding the
/// other SDKs expect, with one exception: it also leaves out `-0.0`, which the other
/// SDKs keep. Encoders that must keep the sign of zero cannot use these types as they are.
pub mod types {
    #![allow(missing_docs)]
    include!("generated/io.statefun.sdk.types.rs");
}

/// Records for the generic Kafka and Kinesis egresses (package `io.statefun.sdk.egress`).
pub mod egress {
    #![allow(missing_docs)]
    include!("generated/io.statefun.sdk.egress.rs");
}

/// The StateFun 2.x protocol, whose payloads are [`prost_types::Any`].
pub mod v2 {
    /// Request-reply messages (package `org.apache.flink.statefun.flink.core.polyglot`).
    pub mod polyglot {
        #![allow(missing_docs)]
        include!("generated/org.apache.flink.statefun.flink.core.polyglot.rs");
    }

    /// Kafka and Kinesis egress records (package `org.apache.flink.statefun.flink.io`).
    pub mod io {
        #![allow(missing_docs)]
        include!("generated/org.apache.flink.statefun.flink.io.rs");
    }
}
