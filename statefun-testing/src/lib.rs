//! Test [Apache Flink StateFun](https://nightlies.apache.org/flink/flink-statefun-docs-stable/)
//! functions written with [`statefun_sdk`] on the reference runtime of
//! [`statefun_runtime`], in the SDK's own terms: send messages built with
//! [`MessageBuilder`](statefun_sdk::MessageBuilder), read states through their
//! [`ValueSpec`](statefun_sdk::ValueSpec)s and egress records decoded.
//!
//! The [`Harness`] plays the StateFun runtime's side of the protocol over your
//! [`RequestReplyHandler`](statefun_sdk::RequestReplyHandler), in process: batching, state
//! registration, replies between functions, delayed messages and their cancellation,
//! state expiration and egresses. On Tokio's paused clock, a day of delays takes no time.
//!
//! ```
//! use std::time::Duration;
//!
//! use statefun_sdk::types::{IntType, StringType};
//! use statefun_sdk::{
//!     Address, Context, EgressMessage, Error, FunctionSpec, KafkaEgressBuilder, Message,
//!     MessageBuilder, RequestReplyHandler, TypeName, ValueSpec,
//! };
//! use statefun_testing::Harness;
//!
//! const GREETER: TypeName = TypeName::from_static("example/greeter");
//! const GREETINGS: TypeName = TypeName::from_static("example/greetings");
//! static VISITS: ValueSpec<IntType> = ValueSpec::new("visits", IntType);
//!
//! async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
//!     let name = message.as_string()?;
//!     let visits = ctx.storage().get_or_default(&VISITS)? + 1;
//!     ctx.storage().set(&VISITS, visits)?;
//!     let greeting = format!("Hello {name}, visit {visits}");
//!     ctx.send_egress(
//!         KafkaEgressBuilder::to(GREETINGS)
//!             .topic("greetings")
//!             .key(&name)
//!             .value_string(&greeting)
//!             .build()?,
//!     );
//!     ctx.send_egress(EgressMessage::playground("greetings", &greeting)?);
//!     // Tomorrow, a reminder to the same instance.
//!     let reminder = MessageBuilder::to(GREETER, ctx.address().id()).string("reminder");
//!     if name != "reminder" {
//!         ctx.send_after(Duration::from_secs(86_400), reminder)?;
//!     }
//!     Ok(())
//! }
//!
//! // In a test file: #[tokio::test(start_paused = true)]
//! async fn greets_and_reminds() -> Result<(), Box<dyn std::error::Error>> {
//!     let handler = RequestReplyHandler::builder()
//!         .register(FunctionSpec::new(GREETER, greeter).with_state(&VISITS))
//!         .build()?;
//!     let harness = Harness::builder()
//!         .handler("example/*", handler)
//!         .egress(GREETINGS)
//!         .playground_egress()
//!         .build()?;
//!
//!     harness.send(MessageBuilder::to(GREETER, "bob").string("Bob")).await?;
//!     harness.run_until_quiescent().await?;
//!
//!     let bob = Address::new(GREETER, "bob");
//!     assert_eq!(harness.state(&bob, &VISITS)?, Some(1));
//!     let records = harness.kafka_records(GREETINGS)?;
//!     assert_eq!(records[0].topic, "greetings");
//!     assert_eq!(records[0].key.as_deref(), Some("Bob"));
//!     assert_eq!(records[0].value_str()?, "Hello Bob, visit 1");
//!     assert_eq!(harness.playground_records()?[0].payload, "Hello Bob, visit 1");
//!
//!     harness.advance(Duration::from_secs(86_400)).await?;
//!     assert_eq!(harness.state(&bob, &VISITS)?, Some(2));
//!     Ok(())
//! }
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap()
//! #     .block_on(greets_and_reminds()).unwrap();
//! ```
//!
//! # Failures
//!
//! A function that returns an error or panics fails its batch. StateFun retries the batch
//! until its call budget runs out and then fails the job; a deterministic failure fails
//! the same way on every retry. So by default the harness makes one attempt per call:
//! [`run_until_quiescent`](Harness::run_until_quiescent) returns the failure, naming the
//! instance and the function's error, and a panic message is printed once. Test retries
//! with [`HarnessBuilder::retry_failures`].
//!
//! # The layering
//!
//! `statefun-runtime` speaks only the wire protocol, so that it can drive functions in any
//! language; this crate depends on it and on the SDK, and [`convert`]s between the two.
//! [`Harness::inner`] gives the runtime's own harness (raw `TypedValue`s, delivered
//! batches, the runtime itself).

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod convert;
mod error;
mod harness;
mod records;

pub use error::ReadError;
pub use harness::{Harness, HarnessBuilder};
pub use records::{KafkaRecord, KinesisRecord, PlaygroundRecord};
pub use statefun_protocol as protocol;
pub use statefun_runtime::Error;
pub use statefun_runtime::config::ConfigError;
