//! The greeter answers as the shared bench's `gen_requests.py --verify` expects.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::from_function::Response;
use statefun_protocol::{FromFunction, TypedValue};

fn answer(body: Bytes) -> Response {
    let handler = bench_greeter::handler();
    let mut context = Context::from_waker(Waker::noop());
    let Poll::Ready(answer) = pin!(handler.handle(body)).poll(&mut context) else {
        panic!("the greeter does not wait");
    };
    FromFunction::decode(answer.expect("an answer"))
        .expect("a FromFunction")
        .response
        .expect("a response")
}

fn string_wrapper(text: &str) -> Vec<u8> {
    let mut out = vec![0x0A, text.len() as u8];
    out.extend_from_slice(text.as_bytes());
    out
}

#[test]
fn a_batch_counts_on_and_greets_in_order() {
    let Response::InvocationResult(result) = answer(bench_greeter::requests::batch(3, true)) else {
        panic!("expected an invocation result");
    };
    assert_eq!(result.state_mutations.len(), 1);
    let seen = result.state_mutations[0].state_value.as_ref().unwrap();
    assert_eq!(
        seen,
        &TypedValue::new("io.statefun.types/int", vec![0x0D, 44, 0, 0, 0])
    );
    assert!(result.delayed_invocations.is_empty());
    assert_eq!(result.outgoing_messages.len(), 3);
    assert_eq!(result.outgoing_egresses.len(), 3);
    for (i, (message, egress)) in result
        .outgoing_messages
        .iter()
        .zip(&result.outgoing_egresses)
        .enumerate()
    {
        let greeting = format!("Nice to see you at the {}-nth time user-1234!", 42 + i);
        let target = message.target.as_ref().unwrap();
        assert_eq!(target.to_string(), "example/relay/user-1234");
        assert_eq!(
            message.argument.as_ref().unwrap(),
            &TypedValue::new("io.statefun.types/string", string_wrapper(&greeting))
        );
        assert_eq!(
            (
                egress.egress_namespace.as_str(),
                egress.egress_type.as_str()
            ),
            ("io.statefun.playground", "egress")
        );
        let record = egress.argument.as_ref().unwrap();
        assert_eq!(
            record.typename,
            "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord"
        );
        let record =
            statefun_protocol::egress::KafkaProducerRecord::decode(record.value.clone()).unwrap();
        assert_eq!(record.topic, "greetings");
        assert_eq!(record.key, "user-1234");
        assert_eq!(record.value_bytes, greeting.as_bytes());
    }
}

#[test]
fn a_missing_state_is_asked_for() {
    let Response::IncompleteInvocationContext(incomplete) =
        answer(bench_greeter::requests::batch(1, false))
    else {
        panic!("expected an incomplete invocation context");
    };
    assert_eq!(incomplete.missing_values.len(), 1);
    let spec = &incomplete.missing_values[0];
    assert_eq!(spec.state_name, "seen");
    assert_eq!(spec.type_typename, "io.statefun.types/int");
}

#[test]
fn the_2x_greeter_answers_the_same_effects() {
    use statefun_protocol::v2::polyglot::FromFunction as V2FromFunction;
    use statefun_protocol::v2::polyglot::from_function::Response as V2Response;
    let handler = bench_greeter::handler_for(statefun_sdk::Protocol::V2);
    let mut context = Context::from_waker(Waker::noop());
    let body = bench_greeter::requests::batch_v2(10, true);
    let Poll::Ready(answer) = pin!(handler.handle(body)).poll(&mut context) else {
        panic!("the greeter does not wait");
    };
    let Some(V2Response::InvocationResult(result)) = V2FromFunction::decode(answer.unwrap())
        .expect("a 2.x FromFunction")
        .response
    else {
        panic!("an invocation result");
    };
    assert_eq!(result.state_mutations.len(), 1);
    let seen = prost_types::Any::decode(&result.state_mutations[0].state_value[..]).unwrap();
    assert_eq!(
        (seen.type_url.as_str(), &seen.value[..]),
        ("io.statefun.types/int", &[0x0D, 51, 0, 0, 0][..])
    );
    assert_eq!(result.outgoing_messages.len(), 10);
    assert_eq!(result.outgoing_egresses.len(), 10);
    let record = result.outgoing_egresses[0].argument.as_ref().unwrap();
    assert!(
        record
            .type_url
            .ends_with("org.apache.flink.statefun.flink.io.KafkaProducerRecord")
    );
}
