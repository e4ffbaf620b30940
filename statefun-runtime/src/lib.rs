//! A reference runtime for Apache Flink Stateful Functions (StateFun) remote functions.
//!
//! This crate is being built; today it only re-exports the wire messages of
//! [`statefun_protocol`].

#![deny(missing_docs)]

pub use statefun_protocol as protocol;
