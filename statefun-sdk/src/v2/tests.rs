//! The 2.x handler end to end on the reference's example encodings (§5.1 of the protocol
//! reference) and on what 2.x cannot carry.

use std::time::Duration;

use bytes::Bytes;
use prost::Message as _;

use crate::types::ProtobufType;
use crate::{
    CancellationToken, Context, Error, FunctionSpec, HandlerErrorKind, KafkaEgressBuilder, Message,
    MessageBuilder, Protocol, RequestReplyHandler, TypeName, ValueSpec,
};

#[derive(Clone, PartialEq, prost::Message)]
struct GreetRequest {
    #[prost(string, tag = "1")]
    name: String,
}

impl prost::Name for GreetRequest {
    const NAME: &'static str = "GreetRequest";
    const PACKAGE: &'static str = "example";
}

#[derive(Clone, PartialEq, prost::Message)]
struct SeenCount {
    #[prost(int64, tag = "1")]
    seen: i64,
}

impl prost::Name for SeenCount {
    const NAME: &'static str = "SeenCount";
    const PACKAGE: &'static str = "example";
}

const GREETER: TypeName = TypeName::from_static("example/greeter");
const KAFKA: TypeName = TypeName::from_static("example/kafka");

fn seen_count() -> ValueSpec<ProtobufType<SeenCount>> {
    ValueSpec::try_new("seen_count", ProtobufType::new()).unwrap()
}

async fn greeter(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let request = message.as_type(&ProtobufType::<GreetRequest>::new())?;
    if request.name == "delete" {
        ctx.storage().remove(&seen_count())?;
        return Ok(());
    }
    if request.name == "token" {
        let token = CancellationToken::new("t")?;
        let message = MessageBuilder::to(GREETER, "x").string("later");
        ctx.send_after_with_token(Duration::from_secs(1), &token, message)?;
        return Ok(());
    }
    if request.name == "kafka" {
        ctx.send_egress(
            KafkaEgressBuilder::to(KAFKA)
                .topic("greetings")
                .value_string("hi")
                .build()?,
        );
        return Ok(());
    }
    let seen = ctx.storage().get(&seen_count())?.map_or(0, |s| s.seen) + 1;
    ctx.storage().set(&seen_count(), SeenCount { seen })?;
    Ok(())
}

fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .protocol(Protocol::V2)
        .register(FunctionSpec::new(GREETER, greeter))
        .build()
        .unwrap()
}

/// The reference's request: `example/greeter/Bob`, state `seen_count` without value,
/// `Any{com.googleapis/example.GreetRequest, 0A 03 "Bob"}` from an ingress.
fn request(name: &str) -> Bytes {
    use statefun_protocol::v2::polyglot::to_function::{
        Invocation, InvocationBatchRequest, PersistedValue, Request,
    };
    use statefun_protocol::v2::polyglot::{Address, ToFunction};
    let body = ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target: Some(Address {
                namespace: "example".into(),
                r#type: "greeter".into(),
                id: "Bob".into(),
            }),
            state: vec![PersistedValue {
                state_name: "seen_count".into(),
                state_value: Bytes::new(),
            }],
            invocations: vec![Invocation {
                caller: None,
                argument: Some(prost_types::Any {
                    type_url: "com.googleapis/example.GreetRequest".into(),
                    value: GreetRequest { name: name.into() }.encode_to_vec(),
                }),
            }],
        })),
    };
    Bytes::from(body.encode_to_vec())
}

#[tokio::test]
async fn answers_the_reference_bytes() {
    let mut bob = b"\xA2\x06\x57\x0A\x17\x0A\x07example\x12\x07greeter\x1A\x03Bob\x12\x0C\x0A\x0Aseen_count\x1A\x2E\x12\x2C\x0A\x23com.googleapis/example.GreetRequest\x12\x05\x0A\x03Bob".to_vec();
    assert_eq!(
        request("Bob")[..],
        bob[..],
        "the request is the reference's"
    );
    let modify = b"\xA2\x06\x3D\x0A\x3B\x08\x01\x12\x0Aseen_count\x1A\x2B\x0A\x25type.googleapis.com/example.SeenCount\x12\x02\x08\x01";
    let answer = handler()
        .handle(Bytes::from(std::mem::take(&mut bob)))
        .await
        .unwrap();
    assert_eq!(answer[..], modify[..]);
    let delete = b"\xA2\x06\x0E\x0A\x0C\x12\x0Aseen_count";
    let answer = handler().handle(request("delete")).await.unwrap();
    assert_eq!(answer[..], delete[..]);
}

#[tokio::test]
async fn kafka_records_get_the_2x_type_url() {
    use statefun_protocol::v2::io::KafkaProducerRecord;
    use statefun_protocol::v2::polyglot::FromFunction;
    use statefun_protocol::v2::polyglot::from_function::Response;
    let answer = handler().handle(request("kafka")).await.unwrap();
    let Some(Response::InvocationResult(result)) = FromFunction::decode(answer).unwrap().response
    else {
        panic!("a result");
    };
    let argument = result.outgoing_egresses[0].argument.clone().unwrap();
    assert_eq!(
        argument.type_url,
        "type.googleapis.com/org.apache.flink.statefun.flink.io.KafkaProducerRecord"
    );
    let record = KafkaProducerRecord::decode(&argument.value[..]).unwrap();
    assert_eq!(
        (record.topic.as_str(), &record.value_bytes[..]),
        ("greetings", &b"hi"[..])
    );
}

#[tokio::test]
async fn a_declared_state_missing_from_the_request_fails_naming_module_yaml() {
    let spec = seen_count();
    let other = ValueSpec::new("visits", crate::types::IntType);
    let handler = RequestReplyHandler::builder()
        .protocol(Protocol::V2)
        .register(
            FunctionSpec::new(GREETER, greeter)
                .with_state(&spec)
                .with_state(&other),
        )
        .build()
        .unwrap();
    let error = handler.handle(request("Bob")).await.unwrap_err();
    assert_eq!(error.kind(), HandlerErrorKind::StateNotInRequest);
    let text = error.to_string();
    assert!(
        text.contains("`visits`") && text.contains("module.yaml"),
        "{text}"
    );
}

#[tokio::test]
async fn cancellation_tokens_fail_the_request() {
    let error = handler().handle(request("token")).await.unwrap_err();
    assert_eq!(error.kind(), HandlerErrorKind::Unsupported);
    assert!(error.to_string().contains("cancellation tokens"), "{error}");
}

#[tokio::test]
async fn the_same_function_serves_3x_by_default() {
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(GREETER, greeter))
        .build()
        .unwrap();
    // A 2.x body is not a usable 3.x request for this function: its state is undeclared.
    assert!(handler.handle(request("Bob")).await.is_err());
}
