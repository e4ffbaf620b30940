//! The SDK's request decoding against prost's `ToFunction::decode`: the handler accepts a
//! body exactly when prost does (and it names a batch for a served function), and its
//! function sees what prost decoded.

use std::cell::RefCell;
use std::sync::OnceLock;

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::from_function::Response;
use statefun_protocol::to_function::Request;
use statefun_protocol::{FromFunction, ToFunction};
use statefun_sdk::types::RawType;
use statefun_sdk::{
    Context, Error, FunctionSpec, HandlerErrorKind, Message, RequestReplyHandler, TypeName,
    ValueSpec,
};

/// The one function served: `n/f`, declaring the state `s`.
pub const NAMESPACE: &str = "n";
/// The function type's name.
pub const NAME: &str = "f";
/// The declared state.
pub const STATE: &str = "s";

static SEEN: ValueSpec<RawType> =
    ValueSpec::new(STATE, RawType::new(TypeName::from_static("t/raw")));

/// What the function saw of one invocation: caller (namespace, type, id), typename,
/// has_value, value.
type Seen = (Option<(String, String, String)>, String, bool, Vec<u8>);

thread_local! {
    static INVOCATIONS: RefCell<Vec<Seen>> = const { RefCell::new(Vec::new()) };
}

async fn record(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let caller = ctx.caller().map(|caller| {
        (
            caller.function_type().namespace().to_owned(),
            caller.function_type().name().to_owned(),
            caller.id().to_owned(),
        )
    });
    let seen = (
        caller,
        message.typename().to_owned(),
        message.has_value(),
        message
            .raw_value()
            .map(|value| value.to_vec())
            .unwrap_or_default(),
    );
    INVOCATIONS.with(|invocations| invocations.borrow_mut().push(seen));
    Ok(())
}

fn handler() -> &'static RequestReplyHandler {
    static HANDLER: OnceLock<RequestReplyHandler> = OnceLock::new();
    HANDLER.get_or_init(|| {
        RequestReplyHandler::builder()
            .register(FunctionSpec::new(TypeName::from_static("n/f"), record).with_state(&SEEN))
            .build()
            .expect("one function")
    })
}

/// Checks `body` through the SDK's handler against prost.
pub fn check(body: &[u8]) {
    INVOCATIONS.with(|invocations| invocations.borrow_mut().clear());
    let ours = super::ready(handler().handle(Bytes::copy_from_slice(body)));
    let seen = INVOCATIONS.with(|invocations| invocations.take());
    let batch = match ToFunction::decode(body) {
        Err(error) => {
            let Err(ours) = ours else {
                panic!("{body:02x?}: prost refuses it ({error}), the SDK answered");
            };
            assert_eq!(
                ours.kind(),
                HandlerErrorKind::InvalidRequest,
                "{body:02x?}: {ours}"
            );
            assert!(
                seen.is_empty(),
                "{body:02x?}: functions ran on a refused request"
            );
            return;
        }
        Ok(ToFunction {
            request: Some(Request::Invocation(batch)),
        }) if batch.target.is_some() => batch,
        Ok(_) => {
            // No batch, or no target: valid protobuf the SDK has no use for.
            let ours = ours.expect_err("a request without batch or target");
            assert_eq!(ours.kind(), HandlerErrorKind::InvalidRequest, "{body:02x?}");
            return;
        }
    };
    let target = batch.target.as_ref().expect("checked");
    if (target.namespace.as_str(), target.r#type.as_str()) != (NAMESPACE, NAME) {
        let ours = ours.expect_err("an unknown function type");
        assert_eq!(
            ours.kind(),
            HandlerErrorKind::UnknownFunction,
            "{body:02x?}"
        );
        return;
    }
    let answer =
        ours.unwrap_or_else(|error| panic!("{body:02x?}: prost reads it, the SDK: {error}"));
    let answer = FromFunction::decode(answer).expect("the SDK's answer is protobuf");
    if !batch.state.iter().any(|state| state.state_name == STATE) {
        let Some(Response::IncompleteInvocationContext(context)) = answer.response else {
            panic!("{body:02x?}: the state is missing, yet the SDK answered {answer:?}");
        };
        assert_eq!(context.missing_values.len(), 1);
        assert_eq!(context.missing_values[0].state_name, STATE);
        assert!(seen.is_empty());
        return;
    }
    assert!(
        matches!(answer.response, Some(Response::InvocationResult(_))),
        "{body:02x?}: {answer:?}"
    );
    let expected: Vec<Seen> = batch
        .invocations
        .iter()
        .map(|invocation| {
            let caller = invocation
                .caller
                .as_ref()
                .filter(|caller| {
                    !(caller.namespace.is_empty()
                        && caller.r#type.is_empty()
                        && caller.id.is_empty())
                })
                .map(|caller| {
                    (
                        caller.namespace.clone(),
                        caller.r#type.clone(),
                        caller.id.clone(),
                    )
                });
            let argument = invocation.argument.clone().unwrap_or_default();
            let value = if argument.has_value {
                argument.value.to_vec()
            } else {
                Vec::new()
            };
            (caller, argument.typename, argument.has_value, value)
        })
        .collect();
    assert_eq!(seen, expected, "{body:02x?}");
}
