//! Serve the functions on AWS Lambda, behind an API Gateway REST or HTTP API or a
//! function URL, through [`lambda_http`](https://docs.rs/lambda_http).
//!
//! API Gateway and function URLs hand the function each request as a JSON event whose
//! body is base64-encoded; the answer goes back the same way, so the binary `FromFunction`
//! arrives intact. The [status codes](super#status-codes) are those of
//! [`StatefunService`]. Point the StateFun endpoint at the API's or function URL's address.
//!
//! An API Gateway **REST** API handles as binary only the media types it is told are
//! binary: add `application/octet-stream` (or `*/*`) to its binary media types, or the body
//! reaches the function as mangled text and is answered with 400. HTTP APIs and function
//! URLs need no setting.
//!
//! Lambda limits the event and the answer of a synchronous invocation to 6 MB each, base64
//! included: with large states or long backlogs, bound the batches with the endpoint's
//! `maxNumBatchRequests`.
//!
//! ```no_run
//! use statefun_sdk::{Context, Error, FunctionSpec, Message, RequestReplyHandler, TypeName};
//!
//! async fn greeter(_ctx: &mut Context, message: Message) -> Result<(), Error> {
//!     println!("Hello {}!", message.as_string()?);
//!     Ok(())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), lambda_http::Error> {
//!     let handler = RequestReplyHandler::builder()
//!         .register(FunctionSpec::new(TypeName::from_static("example/greeter"), greeter))
//!         .build()?;
//!     statefun_sdk::http::lambda::run(handler).await
//! }
//! ```

use std::convert::Infallible;

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::BodyExt as _;
use lambda_http::{Body, Request};
use tower_service::Service as _;

use super::StatefunService;
use crate::RequestReplyHandler;

/// Serves `handler` on the Lambda runtime: takes each event from the Lambda Runtime API,
/// answers it with [`handle_request`], and never returns unless the runtime fails.
///
/// # Errors
/// When the Lambda Runtime API cannot be reached or answers unexpectedly.
///
/// # Panics
/// Outside Lambda: when the environment variables the Lambda runtime sets
/// (`AWS_LAMBDA_RUNTIME_API`, `AWS_LAMBDA_FUNCTION_NAME`, …) are missing.
///
/// ```no_run
/// # async fn serve(handler: statefun_sdk::RequestReplyHandler) -> Result<(), lambda_http::Error> {
/// statefun_sdk::http::lambda::run(handler).await
/// # }
/// ```
pub async fn run(handler: RequestReplyHandler) -> Result<(), lambda_http::Error> {
    let service = StatefunService::new(handler);
    lambda_http::run(lambda_http::service_fn(move |request| {
        let service = service.clone();
        async move { Ok::<_, Infallible>(respond(service, request).await) }
    }))
    .await
}

/// Answers one request of a Lambda HTTP event, as [`run`] does: the body of a
/// `FromFunction` is [`Body::Binary`] (which `lambda_http` sends base64-encoded), an error
/// is [`Body::Text`].
///
/// ```
/// use lambda_http::Body;
/// use statefun_sdk::RequestReplyHandler;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let handler = RequestReplyHandler::builder().build().unwrap();
/// let request = lambda_http::Request::new(Body::Empty); // a GET
///
/// let response = statefun_sdk::http::lambda::handle_request(&handler, request).await;
/// assert_eq!(response.status(), 405);
/// assert!(matches!(response.body(), Body::Text(text) if text.contains("POST")));
/// # }
/// ```
pub async fn handle_request(handler: &RequestReplyHandler, request: Request) -> Response<Body> {
    respond(StatefunService::new(handler.clone()), request).await
}

async fn respond(mut service: StatefunService, request: Request) -> Response<Body> {
    let Ok(response) = service.call(request).await;
    let (parts, body) = response.into_parts();
    let Ok(collected) = body.collect().await;
    let body = lambda_body(parts.status, collected.to_bytes());
    Response::from_parts(parts, body)
}

fn lambda_body(status: StatusCode, bytes: Bytes) -> Body {
    if status.is_success() {
        return Body::Binary(bytes.into());
    }
    // Error answers are UTF-8 text; sending them as text keeps them readable in logs and
    // in API Gateway's test console.
    match String::from_utf8(bytes.into()) {
        Ok(text) => Body::Text(text),
        Err(not_text) => Body::Binary(not_text.into_bytes()),
    }
}
