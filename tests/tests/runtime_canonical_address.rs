//! One address, one key: a `FromFunction` may write a target `Address` with non-minimal
//! varint lengths (valid protobuf, as prost reads it), and the engine must still deliver
//! to the same address as the canonical encoding names. Keyed by bytes, the two messages
//! below reached two different "g/counter/x" and the counter stopped at 1.

mod runtime_support;

use bytes::Bytes;
use http_body_util::Full;
use prost::Message as _;
use runtime_support::function::{ok_response, spec};
use runtime_support::{Functions, as_int, int, string};
use statefun_protocol::{Address, FromFunction, typename};
use statefun_runtime::Harness;

/// `len` as a varint of `width` bytes (more than it needs).
fn padded_len(len: usize, width: usize) -> Vec<u8> {
    let mut out: Vec<u8> = (0..width - 1)
        .map(|i| (((len >> (7 * i)) & 0x7F) as u8) | 0x80)
        .collect();
    out.push((len >> (7 * (width - 1))) as u8);
    out
}

/// An `Address` of `g/counter/x`, every length written with two bytes.
fn non_minimal_target() -> Vec<u8> {
    let mut out = Vec::new();
    for (key, part) in [(0x0A, "g"), (0x12, "counter"), (0x1A, "x")] {
        out.push(key);
        out.extend(padded_len(part.len(), 2));
        out.extend(part.as_bytes());
    }
    out
}

fn field(key: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![key];
    statefun_protocol::wire::encode_varint(body.len() as u64, &mut out);
    out.extend(body);
    out
}

/// `FromFunction{invocation_result{outgoing_messages: [to target_a, to target_b]}}`.
fn two_messages(target_a: &[u8], target_b: &[u8]) -> Bytes {
    let argument = int(1).encode_to_vec();
    let mut response = Vec::new();
    for target in [target_a, target_b] {
        let mut invocation = field(0x0A, target);
        invocation.extend(field(0x12, &argument));
        response.extend(field(0x12, &invocation));
    }
    let mut body = vec![0xA2, 0x06];
    statefun_protocol::wire::encode_varint(response.len() as u64, &mut body);
    body.extend(response);
    Bytes::from(body)
}

#[tokio::test(start_paused = true)]
async fn a_target_with_non_minimal_lengths_is_the_same_address() {
    let canonical = Address::new("g", "counter", "x").encode_to_vec();
    let odd = non_minimal_target();
    let answer = two_messages(&canonical, &odd);
    // prost reads both targets as the same address.
    let decoded = FromFunction::decode(answer.clone()).unwrap();
    let Some(statefun_protocol::from_function::Response::InvocationResult(result)) =
        decoded.response
    else {
        panic!("an invocation result")
    };
    assert_eq!(
        result.outgoing_messages[0].target,
        result.outgoing_messages[1].target
    );

    let sender = tower::service_fn(move |_request: http::Request<Full<Bytes>>| {
        let answer = answer.clone();
        async move { Ok::<_, std::convert::Infallible>(ok_response(answer)) }
    });
    let counter = Functions::new().with(
        "g/counter",
        vec![spec("seen", typename::INT)],
        |context, _argument| {
            let seen = context.get("seen").map_or(0, |seen| as_int(&seen)) + 1;
            context.set("seen", int(seen));
        },
    );
    let harness = Harness::builder()
        .service("g/sender", sender)
        .service("g/counter", counter.service())
        .build()
        .unwrap();
    harness
        .send(Address::new("g", "sender", "s"), string("go"))
        .await
        .unwrap();
    harness.run_until_quiescent().await.unwrap();
    assert_eq!(
        harness
            .state(&Address::new("g", "counter", "x"), "seen")
            .map(|value| as_int(&value)),
        Some(2)
    );
}
