//! The bounded versions of the fuzz targets in `fuzz/`: the same oracles, on a few
//! thousand generated inputs each.

use proptest::prelude::*;
use prost::Message as _;
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, PersistedValue, Request};
use statefun_protocol::{Address, ToFunction, TypedValue};
use statefun_tests::oracle::sdk_request;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("n".to_owned()),
        Just("f".to_owned()),
        Just("s".to_owned()),
        "[a-z/é]{0,4}"
    ]
}

fn address() -> impl Strategy<Value = Address> {
    (text(), text(), text()).prop_map(|(namespace, r#type, id)| Address {
        namespace,
        r#type,
        id,
    })
}

fn typed_value() -> impl Strategy<Value = TypedValue> {
    (
        text(),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..4),
    )
        .prop_map(|(typename, has_value, value)| TypedValue {
            typename,
            has_value,
            value: value.into(),
        })
}

fn to_function() -> impl Strategy<Value = ToFunction> {
    let target = prop_oneof![
        1 => Just(None),
        6 => Just(Some(Address::new("n", "f", "x"))),
        2 => address().prop_map(Some),
    ];
    let state = prop::collection::vec(
        (text(), prop::option::of(typed_value())).prop_map(|(state_name, state_value)| {
            PersistedValue {
                state_name,
                state_value,
            }
        }),
        0..3,
    );
    let invocations = prop::collection::vec(
        (prop::option::of(address()), prop::option::of(typed_value()))
            .prop_map(|(caller, argument)| Invocation { caller, argument }),
        0..4,
    );
    (target, state, invocations).prop_map(|(target, state, invocations)| ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target,
            state,
            invocations,
        })),
    })
}

/// A valid request, then bytes changed, inserted or cut: mostly near-valid protobuf.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        to_function(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 0..3),
    )
        .prop_map(|(request, edits)| {
            let mut bytes = request.encode_to_vec();
            for (at, byte, how) in edits {
                if bytes.is_empty() {
                    bytes.push(byte);
                    continue;
                }
                let at = at.index(bytes.len());
                match how {
                    0 => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    2 => bytes.truncate(at),
                    _ => {
                        let copy = bytes[at..].to_vec();
                        bytes.extend(copy);
                    }
                }
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn sdk_requests_decode_as_prost_decodes_them(bytes in mutated()) {
        sdk_request::check(&bytes);
    }

    #[test]
    fn sdk_requests_of_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..32)) {
        sdk_request::check(&bytes);
    }

    #[test]
    fn runtime_responses_read_as_prost_reads_them(bytes in runtime_response()) {
        if let Err(problem) = statefun_runtime::fuzzing::from_function_reads_as_prost(&bytes) {
            panic!("{problem}");
        }
    }
}

/// A `FromFunction` with a few effects, then mutated like the requests.
fn runtime_response() -> impl Strategy<Value = Vec<u8>> {
    use statefun_protocol::FromFunction;
    use statefun_protocol::from_function::{
        DelayedInvocation, EgressMessage, Invocation as Outgoing, InvocationResponse,
        PersistedValueMutation, Response,
    };
    let mutation = (0i32..3, text(), prop::option::of(typed_value())).prop_map(
        |(mutation_type, state_name, state_value)| PersistedValueMutation {
            mutation_type,
            state_name,
            state_value,
        },
    );
    let message = (prop::option::of(address()), prop::option::of(typed_value()))
        .prop_map(|(target, argument)| Outgoing { target, argument });
    let delayed = (
        any::<i64>(),
        prop::option::of(address()),
        prop::option::of(typed_value()),
        any::<bool>(),
        text(),
    )
        .prop_map(
            |(delay_in_ms, target, argument, is_cancellation_request, cancellation_token)| {
                DelayedInvocation {
                    delay_in_ms,
                    target,
                    argument,
                    is_cancellation_request,
                    cancellation_token,
                }
            },
        );
    let egress = (text(), text(), prop::option::of(typed_value())).prop_map(
        |(egress_namespace, egress_type, argument)| EgressMessage {
            egress_namespace,
            egress_type,
            argument,
        },
    );
    (
        prop::collection::vec(mutation, 0..2),
        prop::collection::vec(message, 0..3),
        prop::collection::vec(delayed, 0..2),
        prop::collection::vec(egress, 0..2),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..3),
    )
        .prop_map(
            |(
                state_mutations,
                outgoing_messages,
                delayed_invocations,
                outgoing_egresses,
                edits,
            )| {
                let mut bytes = FromFunction {
                    response: Some(Response::InvocationResult(InvocationResponse {
                        state_mutations,
                        outgoing_messages,
                        delayed_invocations,
                        outgoing_egresses,
                    })),
                }
                .encode_to_vec();
                for (at, byte, how) in edits {
                    if bytes.is_empty() {
                        bytes.push(byte);
                        continue;
                    }
                    let at = at.index(bytes.len());
                    match how {
                        0 => bytes[at] = byte,
                        1 => bytes.insert(at, byte),
                        _ => bytes.truncate(at),
                    }
                }
                bytes
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    #[test]
    fn module_yaml_errors_say_where(text in module_yaml()) {
        statefun_tests::oracle::module_yaml::check(&text);
    }
}

/// Lines of module-file keys and values, indented at random.
fn module_yaml() -> impl Strategy<Value = String> {
    let line = (
        0usize..3,
        prop::sample::select(vec![
            "kind:",
            "spec:",
            "functions:",
            "urlPathTemplate:",
            "transport:",
            "timeouts:",
            "call:",
            "maxNumBatchRequests:",
            "id:",
            "topics:",
            "- ",
            "---",
            "io.statefun.endpoints.v2/http",
            "io.statefun.playground.v1/ingress",
            "example/*",
            "http://127.0.0.1:1/{function.name}",
            "3s",
            "0",
            "-1",
            "[",
            "{",
            "'",
            "\"",
            "&a",
            "*a",
            "!!binary",
            "é",
        ]),
        prop::sample::select(vec![
            "",
            " 1",
            " x",
            " example/*",
            " 2s",
            " ~",
            " []",
            " {}",
        ]),
    )
        .prop_map(|(indent, key, value)| format!("{}{key}{value}", "  ".repeat(indent)));
    prop::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
}
