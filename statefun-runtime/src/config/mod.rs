//! Reading an upstream StateFun 3.x `module.yaml`.
//!
//! | kind | what this runtime does |
//! |---|---|
//! | `io.statefun.endpoints.v2/http`, `io.statefun.endpoints.v1/http` | calls the functions over HTTP(S) |
//! | `io.statefun.playground.v1/ingress` | serves the playground's HTTP ingress |
//! | `io.statefun.playground.v1/egress` | serves the playground's HTTP egress topics |
//! | `io.statefun.kafka.v1/egress`, `io.statefun.kinesis.v1/egress` | checks each record as StateFun does and logs it, without connecting to Kafka or Kinesis |
//! | `io.statefun.kafka.v1/ingress`, `io.statefun.kinesis.v1/ingress` | not run: reported, so the caller can say so; send messages through a playground ingress instead |
//!
//! Any other kind, and the pre-3.1 `version: "3.0"` single-document format, is an error.

mod duration;
mod error;
mod keys;
mod module;

pub use error::ConfigError;
pub(crate) use error::bind_error;
pub use module::{EgressConfig, EndpointConfig, IngressConfig, ModuleConfig};
