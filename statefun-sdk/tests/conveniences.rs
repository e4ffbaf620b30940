//! The one-call conveniences: replies, read-modify-write state, typed dispatch, `?` on
//! foreign errors, playground records, and the hint for a string sent without its type.

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::from_function::{InvocationResponse, Response};
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, PersistedValue, Request};
use statefun_protocol::{Address, FromFunction, ToFunction, TypedValue};
use statefun_sdk::types::{BoolType, IntType, LongType, StringType};
use statefun_sdk::{
    Context, EgressMessage, Error, FunctionSpec, Message, RequestReplyHandler, TypeName, ValueSpec,
    dispatch,
};

const ACCOUNT: TypeName = TypeName::from_static("bank/account");
static BALANCE: ValueSpec<LongType> = ValueSpec::new("balance", LongType);
static OPERATIONS: ValueSpec<IntType> = ValueSpec::new("operations", IntType);

/// A long is a deposit (negative: a withdrawal), `true` asks for the balance, a string
/// `"close"` closes the account.
async fn account(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let operations = ctx.storage().get_or_default(&OPERATIONS)?;
    ctx.storage().set(&OPERATIONS, operations + 1)?;
    dispatch!(message, {
        LongType => |amount| {
            let balance = ctx.storage().update(&BALANCE, |balance| {
                let new = balance.unwrap_or(0) + amount;
                *balance = Some(new);
                new
            })?;
            if balance < 0 {
                return Err(Error::msg(format!("overdrawn to {balance}")));
            }
        },
        BoolType => |_| {
            let balance = ctx.storage().get_or_default(&BALANCE)?;
            ctx.reply(&LongType, balance)?;
        },
        StringType => |command| match command.as_str() {
            "close" => ctx.storage().update(&BALANCE, |balance| *balance = None)?,
            other => return Err(Error::msg(format!("unknown command {other:?}"))),
        },
    })?;
    Ok(())
}

fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(
            FunctionSpec::new(ACCOUNT, account)
                .with_state(&BALANCE)
                .with_state(&OPERATIONS),
        )
        .build()
        .unwrap()
}

/// A `LongWrapper`: field 1, fixed 64 bits.
fn long(value: i64) -> TypedValue {
    let mut bytes = vec![0x09];
    bytes.extend_from_slice(&value.to_le_bytes());
    TypedValue::new("io.statefun.types/long", bytes)
}

fn batch(
    balance: Option<i64>,
    invocations: Vec<(Option<Address>, TypedValue)>,
) -> Result<InvocationResponse, String> {
    let state = vec![
        PersistedValue {
            state_name: "balance".into(),
            state_value: balance.map(long),
        },
        PersistedValue {
            state_name: "operations".into(),
            state_value: None,
        },
    ];
    let request = ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target: Some(Address::new("bank", "account", "alice")),
            state,
            invocations: invocations
                .into_iter()
                .map(|(caller, argument)| Invocation {
                    caller,
                    argument: Some(argument),
                })
                .collect(),
        })),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let answer = runtime
        .block_on(handler().handle(Bytes::from(request.encode_to_vec())))
        .map_err(|error| error.to_string())?;
    match FromFunction::decode(answer).unwrap().response {
        Some(Response::InvocationResult(result)) => Ok(result),
        other => panic!("not an invocation result: {other:?}"),
    }
}

fn bool_value(value: bool) -> TypedValue {
    TypedValue::new("io.statefun.types/bool", vec![0x08, value as u8])
}

fn string_value(text: &str) -> TypedValue {
    let mut bytes = vec![0x0A, text.len() as u8];
    bytes.extend_from_slice(text.as_bytes());
    TypedValue::new("io.statefun.types/string", bytes)
}

#[test]
fn a_reply_goes_to_the_caller() {
    let bob = Address::new("bank", "teller", "bob");
    let result = batch(Some(40), vec![(Some(bob.clone()), bool_value(true))]).unwrap();
    assert_eq!(result.outgoing_messages.len(), 1);
    let reply = &result.outgoing_messages[0];
    assert_eq!(reply.target.as_ref(), Some(&bob));
    let argument = reply.argument.as_ref().unwrap();
    assert_eq!(argument.typename, "io.statefun.types/long");
    assert_eq!(argument.value[..], long(40).value[..]);
}

#[test]
fn a_reply_without_caller_fails_naming_the_instance() {
    let error = batch(Some(40), vec![(None, bool_value(true))]).unwrap_err();
    assert!(
        error.contains(
            "cannot reply: the message to bank/account/alice has no caller (it came from an ingress, not from a function)"
        ),
        "{error}"
    );
}

#[test]
fn update_reads_modifies_and_writes_across_a_batch() {
    let result = batch(Some(10), vec![(None, long(5)), (None, long(7))]).unwrap();
    let balance = result
        .state_mutations
        .iter()
        .find(|m| m.state_name == "balance")
        .unwrap();
    assert_eq!(
        balance.state_value.as_ref().unwrap().value[..],
        long(22).value[..]
    );
    let operations = result
        .state_mutations
        .iter()
        .find(|m| m.state_name == "operations")
        .unwrap();
    // get_or_default read the absent count as 0; two invocations make it 2.
    assert_eq!(
        operations.state_value.as_ref().unwrap().value[..],
        [0x0D, 2, 0, 0, 0]
    );
}

#[test]
fn update_to_none_deletes_and_none_to_none_writes_nothing() {
    let closed = batch(Some(10), vec![(None, string_value("close"))]).unwrap();
    let balance = closed
        .state_mutations
        .iter()
        .find(|m| m.state_name == "balance")
        .unwrap();
    assert_eq!(balance.mutation_type, 0, "a DELETE");
    assert!(balance.state_value.is_none());

    let untouched = batch(None, vec![(None, string_value("close"))]).unwrap();
    assert!(
        untouched
            .state_mutations
            .iter()
            .all(|m| m.state_name != "balance")
    );
}

#[test]
fn dispatch_names_the_handled_types_for_any_other() {
    let error = batch(None, vec![(None, TypedValue::new("bank/Unknown", vec![1]))]).unwrap_err();
    assert!(
        error.contains(
            "no arm handles a message of type `bank/Unknown`; this function handles `io.statefun.types/long`, `io.statefun.types/bool`, `io.statefun.types/string`"
        ),
        "{error}"
    );
}

#[test]
fn an_error_returned_from_an_arm_fails_the_batch() {
    let error = batch(Some(1), vec![(None, long(-5))]).unwrap_err();
    assert!(error.contains("overdrawn to -4"), "{error}");
}

#[test]
fn a_message_of_a_handled_type_that_cannot_be_read_is_an_error() {
    let broken = TypedValue::new("io.statefun.types/long", vec![0x09, 1]);
    let error = batch(None, vec![(None, broken)]).unwrap_err();
    assert!(
        error.contains("cannot read a value of type `io.statefun.types/long`"),
        "{error}"
    );
}

#[test]
fn try_as_is_none_for_another_type_and_some_for_its_own() {
    let message = Message::from_value(&IntType, &7).unwrap();
    assert_eq!(message.try_as(&StringType).unwrap(), None);
    assert_eq!(message.try_as(&IntType).unwrap(), Some(7));
}

#[derive(Debug, thiserror::Error)]
#[error("the ledger is unreachable")]
struct LedgerDown(#[source] std::io::Error);

fn ledger() -> anyhow::Result<i64> {
    let cause = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    Err(anyhow::Error::new(LedgerDown(cause)).context("reading the ledger"))
}

fn boxed() -> Result<(), statefun_sdk::types::BoxError> {
    Err(Box::new(LedgerDown(std::io::Error::other("gone"))))
}

#[test]
fn anyhow_errors_convert_with_their_source_chain() {
    fn function() -> Result<i64, Error> {
        Ok(ledger()?)
    }
    let error = function().unwrap_err();
    assert_eq!(error.to_string(), "reading the ledger");
    let mut chain = Vec::new();
    let mut source = error.as_std().source();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    assert_eq!(chain, ["the ledger is unreachable", "refused"]);
}

#[test]
fn boxed_errors_convert_unchanged() {
    fn function() -> Result<(), Error> {
        boxed()?;
        Ok(())
    }
    let error = function().unwrap_err();
    assert_eq!(error.to_string(), "the ledger is unreachable");
    assert!(error.as_std().downcast_ref::<LedgerDown>().is_some());
    assert_eq!(error.as_std().source().unwrap().to_string(), "gone");
}

#[test]
fn a_playground_record_is_addressed_to_the_playground_egress() {
    let record = EgressMessage::playground("greetings", "Hello Bob!").unwrap();
    assert_eq!(record.egress(), &statefun_sdk::PLAYGROUND_EGRESS);
    assert_eq!(record.typename(), &statefun_sdk::PLAYGROUND_EGRESS_RECORD);
    assert_eq!(
        &record.raw_value()[..],
        br#"{"topic":"greetings","payload":"Hello Bob!"}"#
    );
}

/// What the playground ingress makes of `curl -X PUT -d '{"name":"Bob"}'` without a
/// `Content-Type`: the body as is, typed as a string.
fn unwrapped_body() -> Message {
    // Built through a request, as the runtime delivers it.
    let body = br#"{"name": "Bob"}"#.to_vec();
    Message::from_value(
        &statefun_sdk::types::RawType::new(StringType::TYPENAME),
        &body.into(),
    )
    .unwrap()
}

#[test]
fn a_body_sent_without_content_type_gets_a_hint_when_read_as_a_string() {
    let error = unwrapped_body().as_string().unwrap_err().to_string();
    assert!(error.contains("without a `Content-Type` header"), "{error}");
    assert!(
        error.contains("send it with `Content-Type: application/vnd.<namespace>/<type>`"),
        "{error}"
    );
    let borrowed = unwrapped_body().as_str().unwrap_err().to_string();
    assert_eq!(borrowed, error);
}

#[test]
fn a_body_sent_without_content_type_gets_a_hint_naming_the_header_for_the_expected_type() {
    let expected = statefun_sdk::types::RawType::new(TypeName::from_static("example/GreetRequest"));
    let error = unwrapped_body().as_type(&expected).unwrap_err();
    assert!(error.is_type_mismatch());
    let error = error.to_string();
    assert!(
        error.starts_with(
            "expected a value of type `example/GreetRequest`, but it has type `io.statefun.types/string`"
        ),
        "{error}"
    );
    assert!(
        error.ends_with("send it with `Content-Type: application/vnd.example/GreetRequest`"),
        "{error}"
    );
}

#[test]
fn a_real_string_of_another_type_gets_no_hint() {
    let message = Message::from_value(&StringType, &"Bob".to_owned()).unwrap();
    let error = message.as_type(&IntType).unwrap_err().to_string();
    assert_eq!(
        error,
        "expected a value of type `io.statefun.types/int`, but it has type `io.statefun.types/string`"
    );
}
