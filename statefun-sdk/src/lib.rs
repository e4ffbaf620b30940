//! Write [Apache Flink Stateful Functions][statefun] (StateFun) remote functions in Rust.
//!
//! StateFun builds applications out of *functions* that exchange messages and keep
//! persistent state, with Flink doing the hard parts. The StateFun runtime, a Flink job,
//! owns the state, routes the messages, fires the timers and guarantees exactly-once
//! processing; a *remote function* is an HTTP endpoint it calls. For each function
//! instance the runtime POSTs a batch of messages together with the instance's state, and
//! applies what the function answers: new state, messages to other functions, delayed
//! messages, records for egresses (Kafka, Kinesis, …). The function itself holds nothing
//! between calls, so it scales, restarts and upgrades like any stateless service. This
//! crate writes such functions as plain `async fn`s and serves them; it speaks the same
//! wire protocol as the official Java, Python, Go and JavaScript SDKs, so functions in
//! every language share one application and read each other's values.
//!
//! [statefun]: https://nightlies.apache.org/flink/flink-statefun-docs-stable/
//!
//! # Example
//!
//! A greeter that counts the visits of each user, greets them on a Kafka topic and sends
//! their inbox a reminder a day later:
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use statefun_sdk::types::IntType;
//! use statefun_sdk::{
//!     Context, Error, FunctionSpec, KafkaEgressBuilder, Message, MessageBuilder,
//!     RequestReplyHandler, TypeName, ValueSpec,
//! };
//!
//! const GREETER: TypeName = TypeName::from_static("example/greeter");
//! const INBOX: TypeName = TypeName::from_static("example/inbox");
//! const GREETINGS: TypeName = TypeName::from_static("example/greetings");
//!
//! /// Visits per user; forgotten after a year without one.
//! static VISITS: ValueSpec<IntType> =
//!     ValueSpec::new("visits", IntType).expire_after_call(Duration::from_secs(365 * 86_400));
//!
//! async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
//!     let name = message.as_string()?;
//!     let visits = ctx.storage().get_or_default(&VISITS)? + 1;
//!     ctx.storage().set(&VISITS, visits)?;
//!
//!     let greeting = match visits {
//!         1 => format!("Hello {name}!"),
//!         n => format!("Hello again {name}, visit number {n}."),
//!     };
//!     ctx.send_egress(
//!         KafkaEgressBuilder::to(GREETINGS)
//!             .topic("greetings")
//!             .key(ctx.address().id())
//!             .value_string(greeting)
//!             .build()?,
//!     );
//!     let reminder = MessageBuilder::to(INBOX, ctx.address().id()).string("Come back soon!");
//!     ctx.send_after(Duration::from_secs(86_400), reminder)?;
//!     Ok(())
//! }
//!
//! # #[cfg(feature = "server")]
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let handler = RequestReplyHandler::builder()
//!         .register(FunctionSpec::new(GREETER, greeter).with_state(&VISITS))
//!         .build()?;
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//!     statefun_sdk::http::server::Server::new(handler)
//!         .serve(listener)
//!         .await?;
//!     Ok(())
//! }
//! # #[cfg(not(feature = "server"))]
//! # fn main() {}
//! ```
//!
//! It needs this crate (the package `statefun-sdk-rust`) with the `server` feature, and
//! `tokio`. The runtime learns where the function is served from its module file:
//!
//! ```yaml
//! kind: io.statefun.endpoints.v2/http
//! spec:
//!   functions: example/*
//!   urlPathTemplate: http://greeter:8000/
//! ```
//!
//! # Functions and addresses
//!
//! A [`TypeName`], `namespace/name`, names a function type, an egress or the type of a
//! value. A function *instance* is an [`Address`]: a function type and an id (a user id,
//! an order number, …). Each instance has its own state, exists as soon as a message is
//! sent to it, and never runs two batches at once.
//!
//! A function is an `async fn(&mut Context, Message) -> Result<(), Error>`, registered
//! under its type with [`FunctionSpec::new`]; a function with data of its own (clients,
//! configuration) implements [`StatefulFunction`] and registers with
//! [`FunctionSpec::from_function`]. A [`RequestReplyHandler`] holds every registered type
//! and serves them over the protocol; one handler may serve many types, and any number of
//! requests at once.
//!
//! # Messages and types
//!
//! Every value on the wire is a typename and bytes. A [`types::Type`] pairs the two: the
//! built-in [`IntType`](types::IntType), [`StringType`](types::StringType) and the other
//! primitive types read and write exactly what the other SDKs do;
//! [`ProtobufType`](types::ProtobufType) carries any `prost` message, [`JsonType`][json]
//! (feature `json`) any serde type, [`CustomType`](types::CustomType) and your own `Type`
//! implementations anything else.
//!
//! A received [`Message`] is checked against the type you read it as:
//! [`as_string`](Message::as_string), [`as_int`](Message::as_int), …, or
//! [`as_type(&T)`](Message::as_type) fail with an error naming both typenames when the
//! message has another one. A function that accepts several types reads the message with
//! [`dispatch!`], one arm per type, like a `match` (any other type is an error naming the
//! handled ones), or with [`try_as(&T)`](Message::try_as), which is `None` for another
//! type:
//!
//! ```
//! use statefun_sdk::types::{IntType, StringType};
//! use statefun_sdk::{Context, Error, Message, dispatch};
//!
//! async fn echo(ctx: &mut Context, message: Message) -> Result<(), Error> {
//!     dispatch!(message, {
//!         IntType => |n| ctx.reply(&IntType, n)?,
//!         StringType => |text| ctx.reply(&StringType, text)?,
//!     })?;
//!     Ok(())
//! }
//! ```
//!
//! # State
//!
//! A function declares each persisted value as a [`ValueSpec`]: a name, a type and an
//! optional expiration ([`expire_after_call`](ValueSpec::expire_after_call),
//! [`expire_after_write`](ValueSpec::expire_after_write)), registered with
//! [`FunctionSpec::with_state`]. Inside the function, [`Context::storage`] reads and
//! writes the instance's values: [`get`](Storage::get) (`None` when absent),
//! [`get_or_default`](Storage::get_or_default), [`set`](Storage::set),
//! [`remove`](Storage::remove) and [`update`](Storage::update), a read-modify-write. Using a spec the function did not
//! declare is an error, not a panic.
//!
//! The runtime does not know a function's states before its first call: the SDK then
//! answers with the states it misses, the runtime registers them and sends the same batch
//! again. The function only ever runs with all its states present.
//!
//! # Context: messages, timers and egress
//!
//! Besides the state, the [`Context`] gives the instance's [`address`](Context::address)
//! and the [`caller`](Context::caller) of the current message (`None` for a message from
//! an ingress), and collects what the function sends:
//!
//! - [`send`](Context::send) sends a message built with [`MessageBuilder`] to any
//!   address; [`reply`](Context::reply) sends a value back to the caller (an error when
//!   the message came from an ingress);
//! - [`send_after`](Context::send_after) sends it after a delay;
//!   [`send_after_with_token`](Context::send_after_with_token) also tags it with a
//!   [`CancellationToken`], with which
//!   [`cancel_delayed_message`](Context::cancel_delayed_message) withdraws it while it is
//!   pending;
//! - [`send_egress`](Context::send_egress) sends a record to an egress, built with
//!   [`KafkaEgressBuilder`], [`KinesisEgressBuilder`], [`EgressMessage::playground`] for
//!   the playground's egress, or [`EgressBuilder`] for any other.
//!
//! The builders refuse, with an error, what the runtime would otherwise fail the whole job
//! for: an empty cancellation token, a Kafka record without topic, a Kinesis record
//! without partition key, and the like.
//!
//! # Batches and exactly-once
//!
//! While an instance's request is in flight, the runtime queues its new messages and sends
//! them together as the next batch. The function runs once per message, in order, over
//! one view of the state: a value written for one message is read by the next. Nothing
//! leaves the function before the whole batch has succeeded: the answer carries the state
//! changes, messages, delayed messages and egress records of the batch together, and the
//! runtime applies them with Flink's checkpoints, exactly once.
//!
//! A batch may still *run* more than once, when a request is retried or the job recovers
//! from a failure. Everything done through the `Context` is safe; effects of your own (a
//! database write, a call to another service) happen at least once, so make them
//! idempotent.
//!
//! # Errors and panics
//!
//! Any error converts into [`Error`] with `?`: a `std::error::Error`, a boxed one
//! ([`types::BoxError`]), an `anyhow::Error`, or text; it keeps its source chain. An error, or a panic, fails the batch: none
//! of its effects are applied, the SDK answers HTTP 500 naming the instance and the
//! error, and the server goes on serving. The runtime retries a failed batch with backoff
//! until its call budget (a minute or two by default) runs out, then fails the job, which
//! restarts from its last checkpoint. Return errors for what a retry can fix (a database
//! that is down); a message that can never succeed is better logged, or sent to an
//! egress for inspection, and acknowledged with `Ok(())`.
//!
//! The SDK reports through [`tracing`](https://docs.rs/tracing): a `statefun.request`
//! span per batch (function type, id, batch size, outcome) with a warning when it fails,
//! and a `statefun.invocation` span per message. Install any `tracing` subscriber to see
//! them.
//!
//! # Serving
//!
//! [`http::StatefunService`] puts a handler behind HTTP with the status codes the runtime
//! understands ([table](http#status-codes)); it is a `tower` service, so any `tower` or
//! `hyper` stack can serve it. Three ways come ready-made:
//!
//! - the built-in server, [`http::server::Server`][server] (feature `server`): HTTP/1.1 with
//!   keep-alive and graceful shutdown, as in the example above;
//! - your own [axum](https://docs.rs/axum) application (feature `axum`), see
//!   [`http::axum`][axum-mount]:
//!
//! ```no_run
//! # #[cfg(feature = "axum")]
//! # async fn serve(handler: statefun_sdk::RequestReplyHandler) -> std::io::Result<()> {
//! use axum::Router;
//! use axum::routing::get;
//!
//! let app = Router::new()
//!     .route("/health", get(|| async { "ok" }))
//!     .route_service("/statefun", handler.into_service());
//! axum::serve(tokio::net::TcpListener::bind("127.0.0.1:8000").await?, app).await
//! # }
//! ```
//!
//! - AWS Lambda behind API Gateway or a function URL (feature `lambda`), see
//!   [`http::lambda`][lambda]:
//!
//! ```no_run
//! # #[cfg(feature = "lambda")]
//! # async fn serve(handler: statefun_sdk::RequestReplyHandler) -> Result<(), lambda_http::Error> {
//! statefun_sdk::http::lambda::run(handler).await
//! # }
//! ```
//!
//! # Testing
//!
//! A handler needs no server: [`RequestReplyHandler::handle`] takes the bytes of a
//! `ToFunction` and returns those of the `FromFunction`. Build requests from the wire types
//! of [`protocol`] (with `prost` to encode them) and check what the function answered:
//!
//! ```
//! # use std::time::Duration;
//! # use statefun_sdk::types::IntType;
//! # use statefun_sdk::{Context, Error, FunctionSpec, KafkaEgressBuilder, Message, MessageBuilder, RequestReplyHandler, TypeName, ValueSpec};
//! # const GREETER: TypeName = TypeName::from_static("example/greeter");
//! # const INBOX: TypeName = TypeName::from_static("example/inbox");
//! # const GREETINGS: TypeName = TypeName::from_static("example/greetings");
//! # static VISITS: ValueSpec<IntType> = ValueSpec::new("visits", IntType);
//! # async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
//! #     let name = message.as_string()?;
//! #     let visits = ctx.storage().get(&VISITS)?.unwrap_or(0) + 1;
//! #     ctx.storage().set(&VISITS, visits)?;
//! #     ctx.send_egress(KafkaEgressBuilder::to(GREETINGS).topic("greetings").key(ctx.address().id()).value_string(format!("Hello {name}!")).build()?);
//! #     ctx.send_after(Duration::from_secs(86_400), MessageBuilder::to(INBOX, ctx.address().id()).string("Come back soon!"))?;
//! #     Ok(())
//! # }
//! use prost::Message as _;
//! use statefun_sdk::protocol::from_function::Response;
//! use statefun_sdk::protocol::to_function::{Invocation, InvocationBatchRequest, PersistedValue, Request};
//! use statefun_sdk::protocol::types::StringWrapper;
//! use statefun_sdk::protocol::{Address, FromFunction, ToFunction, TypedValue};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let handler = RequestReplyHandler::builder()
//!     .register(FunctionSpec::new(GREETER, greeter).with_state(&VISITS))
//!     .build()
//!     .unwrap();
//!
//! let name = StringWrapper { value: "Bob".into() }.encode_to_vec();
//! let request = ToFunction {
//!     request: Some(Request::Invocation(InvocationBatchRequest {
//!         target: Some(Address::new("example", "greeter", "bob")),
//!         // "visits" is registered and has no value yet.
//!         state: vec![PersistedValue { state_name: "visits".into(), state_value: None }],
//!         invocations: vec![Invocation {
//!             caller: None,
//!             argument: Some(TypedValue::new("io.statefun.types/string", name)),
//!         }],
//!     })),
//! };
//!
//! let answer = handler.handle(request.encode_to_vec().into()).await.unwrap();
//! let Some(Response::InvocationResult(result)) = FromFunction::decode(answer).unwrap().response
//! else {
//!     panic!("the greeter ran");
//! };
//! assert_eq!(result.state_mutations[0].state_name, "visits");
//! assert_eq!(result.outgoing_egresses[0].egress_type, "greetings");
//! assert_eq!(result.delayed_invocations[0].delay_in_ms, 86_400_000);
//! # }
//! ```
//!
//! To run functions end to end without a Flink cluster, use the reference runtime of this
//! project, the [`statefun-runtime`](https://docs.rs/statefun-runtime) crate, as a
//! dev-dependency: its `Harness` plays the runtime's side of the protocol (batching, state
//! registration, delayed messages, expiry, egress) over your handler in process, on virtual
//! time:
//!
//! ```rust,ignore
//! let harness = statefun_runtime::Harness::builder()
//!     .service("example/*", handler.into_service())
//!     .egress("example/greetings")
//!     .build()?;
//! harness.send(Address::new("example", "greeter", "bob"), argument).await?;
//! harness.run_until_quiescent().await?;
//! assert_eq!(harness.egress("example/greetings").len(), 1);
//! harness.advance(Duration::from_secs(86_400)).await?; // the delayed reminder fires
//! ```
//!
//! (`ignore`d here because the SDK cannot depend on the runtime; the same code is compiled
//! in the repository's README and tests.)
//!
//! # Cargo features
//!
//! None is on by default; without any, the crate is the functions, the handler and
//! [`http::StatefunService`].
//!
//! | feature | adds | brings in |
//! |---|---|---|
//! | `json` | `types::JsonType`, values as JSON through serde | `serde`, `serde_json` |
//! | `server` | [`http::server::Server`][server], a ready-made HTTP/1.1 server | `hyper`, `hyper-util`, `tokio` |
//! | `axum` | [`http::axum`][axum-mount]: mount the functions in an axum `Router` | `axum` (no default features) |
//! | `lambda` | [`http::lambda`][lambda]: serve on AWS Lambda | `lambda_http` (API Gateway and function URL events only) |
//!
//! # StateFun 2.x
//!
//! The same functions serve StateFun 2.0 to 2.2, whose protocol carries every value and
//! state as a `google.protobuf.Any`: build the handler with
//! [`.protocol(Protocol::V2)`](HandlerBuilder::protocol). [`Protocol`] says how types match
//! there and what 2.x lacks (state negotiation, TTL in a `ValueSpec`, cancellation tokens).
//! States are declared in the module's `module.yaml`; raw `Any`s go through
//! [`Storage::get_any`]/[`Storage::set_any`], the builders' `any` and
//! [`Message::to_any`].
//!
//! ## From the 2.x Python SDK
//!
//! | Python (`apache-flink-statefun` 2.x) | Rust |
//! |---|---|
//! | `@functions.bind("example/greeter")` | `FunctionSpec::new(TypeName::from_static("example/greeter"), greeter)`, registered with `.protocol(Protocol::V2)` |
//! | `def greeter(context, request: GreetRequest)` | `message.as_type(&GREET_REQUEST)?` with `GREET_REQUEST: ProtobufType<GreetRequest>` |
//! | unannotated `message` (the raw `Any`) | `message.typename()` (the type URL), `message.raw_value()`, `message.to_any()` |
//! | `context.state("seen_count").unpack(SeenCount)` | `ctx.storage().get(&SEEN_COUNT)?` with `SEEN_COUNT: ValueSpec<ProtobufType<SeenCount>>` |
//! | `context.state("seen_count").pack(seen)` / `context["seen_count"] = any` | `ctx.storage().set(&SEEN_COUNT, seen)?` / `ctx.storage().set_any(&SEEN_COUNT, any)?` |
//! | `context["seen_count"]` (the `Any`) | `ctx.storage().get_any(&SEEN_COUNT)?` |
//! | `del context["seen_count"]` | `ctx.storage().remove(&SEEN_COUNT)?` |
//! | `context.pack_and_send("example/inbox", id, msg)` | `ctx.send(MessageBuilder::to(INBOX, id).value(&MSG_TYPE, &msg)?)` |
//! | `context.send("example/inbox", id, any)` | `ctx.send(MessageBuilder::to(INBOX, id).any(any))` |
//! | `context.pack_and_reply(msg)` | `ctx.send(MessageBuilder::to_address(caller).value(&MSG_TYPE, &msg)?)` with `caller = ctx.caller().cloned()` |
//! | `context.pack_and_send_after(timedelta(seconds=5), …)` | `ctx.send_after(Duration::from_secs(5), MessageBuilder::to(…).value(…)?)?` |
//! | `context.pack_and_send_egress("example/out", msg)` | `ctx.send_egress(EgressBuilder::to(OUT).value(&MSG_TYPE, &msg)?)` |
//! | `kafka_egress_record(topic="t", key=k, value=msg)` + `pack_and_send_egress` | `ctx.send_egress(KafkaEgressBuilder::to(KAFKA).topic("t").key(k).value(&MSG_TYPE, &msg).build()?)` |
//! | `kinesis_egress_record(stream="s", partition_key=k, value=msg)` | `KinesisEgressBuilder::to(KINESIS).stream("s").partition_key(k).value(&MSG_TYPE, &msg).build()?` |
//! | `context.address.identity`, `context.caller` | `ctx.address().id()`, `ctx.caller()` (`None` for an ingress message) |
//!
//! # Compatibility
//!
//! The SDK speaks the request-reply protocol of StateFun 3.x and works with the runtimes
//! of Apache Flink StateFun 3.0 to 3.3 (cancelling delayed messages needs 3.1 or later,
//! which introduced it), and with `Protocol::V2` that of StateFun 2.0 to 2.2. Values are
//! byte-compatible with the Java, Python, Go and JavaScript SDKs. It is built and tested
//! with the current stable Rust (1.95 at the time of writing); no older minimum is
//! checked, so none is claimed.
//!
//! # Public dependencies and semver
//!
//! Types of some dependencies appear in this crate's API, so a new major version of one of
//! them is a new major version of this crate. [`deps`] re-exports each of them, so that
//! you can name their types at the very version the SDK uses.
//!
// The feature-gated modules are linked where they are compiled and to docs.rs elsewhere,
// so that the docs build without warnings under any set of features.
#![cfg_attr(feature = "server", doc = "[server]: http::server::Server")]
#![cfg_attr(
    not(feature = "server"),
    doc = "[server]: https://docs.rs/statefun-sdk-rust/latest/statefun_sdk/http/server/struct.Server.html"
)]
#![cfg_attr(feature = "axum", doc = "[axum-mount]: http::axum")]
#![cfg_attr(
    not(feature = "axum"),
    doc = "[axum-mount]: https://docs.rs/statefun-sdk-rust/latest/statefun_sdk/http/axum/index.html"
)]
#![cfg_attr(feature = "json", doc = "[json]: types::JsonType")]
#![cfg_attr(
    not(feature = "json"),
    doc = "[json]: https://docs.rs/statefun-sdk-rust/latest/statefun_sdk/types/struct.JsonType.html"
)]
#![cfg_attr(feature = "lambda", doc = "[lambda]: http::lambda")]
#![cfg_attr(
    not(feature = "lambda"),
    doc = "[lambda]: https://docs.rs/statefun-sdk-rust/latest/statefun_sdk/http/lambda/index.html"
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod address;
mod arena;
mod context;
mod effects;
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
mod v2;
mod value_spec;
mod wire;

pub use address::Address;
pub use context::Context;
pub use egress::{
    EgressBuilder, EgressMessage, KafkaEgressBuilder, KinesisEgressBuilder, PLAYGROUND_EGRESS,
    PLAYGROUND_EGRESS_RECORD,
};
pub use error::Error;
pub use function::{AsyncFunction, FunctionSpec, StatefulFunction};
pub use handler::{
    BuildError, HandlerBuilder, HandlerError, HandlerErrorKind, RequestReplyHandler,
};
pub use message::Message;
pub use outgoing::{CancellationToken, MessageBuilder, MessageError, OutgoingMessage};
pub use storage::{StateError, Storage};
pub use type_name::{TypeName, TypeNameError};
pub use v2::Protocol;
pub use value_spec::{Expiration, ValueSpec, ValueSpecError};

/// The wire messages, from the `statefun-protocol` crate.
pub use statefun_protocol as protocol;

/// The dependencies whose types appear in the SDK's API, re-exported: their major versions
/// are part of the SDK's semver.
///
/// | crate | where it appears |
/// |---|---|
/// | [`bytes`] | [`Type::deserialize`](types::Type::deserialize), raw values, [`Message::raw_value`] |
/// | [`prost`] | [`ProtobufType`](types::ProtobufType) carries any `prost::Message` |
/// | [`http`](deps::http) and [`tower_service`] | [`http::StatefunService`] is a `tower_service::Service<http::Request<B>>` |
/// | `axum` (feature `axum`) | `http::axum` returns `axum::Router`s |
/// | `lambda_http` (feature `lambda`) | the Lambda adapter's error and events |
/// | `tokio` (feature `server`) | the built-in server takes a `tokio::net::TcpListener` |
///
/// `prost`'s derive macro names `::prost` itself, so a crate that derives messages still
/// depends on `prost` directly, at the same major version.
pub mod deps {
    pub use bytes;
    pub use http;
    pub use prost;
    pub use prost_types;
    pub use tower_service;

    #[cfg(feature = "axum")]
    pub use axum;
    #[cfg(feature = "lambda")]
    pub use lambda_http;
    #[cfg(feature = "server")]
    pub use tokio;
}
