//! A tour of `statefun-sdk`, one module per topic. Each module is a small, complete
//! function type; [`handler`] serves them all, and `main.rs` mounts them in an axum app.
//!
//! | module | topic | function types |
//! |---|---|---|
//! | [`types`] | built-in, JSON, Protobuf and custom types | `showcase/types` |
//! | [`messaging`] | sending, replying to the caller, delayed messages and cancellation | `showcase/ping`, `showcase/pong`, `showcase/reminder` |
//! | [`egress`] | generic, Kafka and Kinesis egress records | `showcase/egress` |
//! | [`storage`] | persisted values, TTL, removing | `showcase/session` |
//! | [`async_work`] | awaiting other work inside a function | `showcase/quote` |

pub mod async_work;
pub mod egress;
pub mod messaging;
pub mod storage;
pub mod types;

use statefun_sdk::{RequestReplyHandler, TypeName};

/// The egress every module writes what it did to, so that a test (or you) can see it.
pub const LOG: TypeName = TypeName::from_static("showcase/log");

/// Every function type of the tour.
pub fn handler(quotes: async_work::QuoteService) -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(types::spec())
        .register(messaging::ping_spec())
        .register(messaging::pong_spec())
        .register(messaging::reminder_spec())
        .register(egress::spec())
        .register(storage::spec())
        .register(async_work::spec(quotes))
        .build()
        .expect("every function type is registered once")
}
