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

/// Responses hyper's client and the runtime's once read differently, each checked with
/// the oracle: loose chunk-size lines, chunk data without its CRLF, trailers that are not
/// header fields.
#[test]
fn http1_responses_once_read_differently_are_read_as_hyper_reads_them() {
    let chunked = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
    let bodies = [
        // No size digit: httparse reads an empty size as 0.
        "\r\n\r\n",
        ";ext\r\n\r\n",
        " 0\r\n\r\n",
        // Seventeen digits, leading zeros: httparse stops at sixteen, hyper only at overflow.
        "00000000000000001\r\nz\r\n0\r\n\r\n",
        "10000000000000000\r\n",
        // A bare LF in an extension.
        "1;a\nb\r\nz\r\n0\r\n\r\n",
        // Chunk data not followed by CRLF.
        "1\r\nzz\r\n0\r\n\r\n",
        // Trailers that are not header fields, or lines not ended by CRLF.
        "0\r\nnot a field\r\n\r\n",
        "0\r\n: x\r\n\r\n",
        "0\r\nx: 1\ny: 2\r\n\r\n",
        "0\r\nx: 1\r\r\n\r\n",
        "0\r\n\rx",
        // Valid trailers.
        "0\r\nx-a: 1\r\nx-b:\r\n\r\n",
    ];
    for body in bodies {
        for piece in [0, 1, 3] {
            let mut input = vec![piece];
            input.extend_from_slice(format!("{chunked}{body}").as_bytes());
            if let Err(problem) = statefun_runtime::fuzzing::http1_response_reads_as_hyper(&input) {
                panic!("{problem}");
            }
        }
    }
    let many_trailers = format!("{chunked}0\r\n{}\r\n", "x: y\r\n".repeat(101));
    let long_extension = format!("{chunked}1;{}\r\nz\r\n0\r\n\r\n", "e".repeat(16 * 1024));
    for response in [many_trailers, long_extension] {
        let mut input = vec![0];
        input.extend_from_slice(response.as_bytes());
        if let Err(problem) = statefun_runtime::fuzzing::http1_response_reads_as_hyper(&input) {
            panic!("{problem}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn http1_responses_read_as_hyper_reads_them(input in http1_response()) {
        if let Err(problem) = statefun_runtime::fuzzing::http1_response_reads_as_hyper(&input) {
            panic!("{problem}");
        }
    }
}

/// A chunked body: chunks of `data` split at random, sizes written with leading zeros or
/// in upper case, extensions, whitespace and trailers.
fn chunked_body(data: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let size_line = (
        0usize..3,
        any::<bool>(),
        prop::sample::select(vec!["", " ", "\t ", ";a", ";a=b", " ;x=\"q\"", ";é"]),
    );
    (
        prop::collection::vec((1usize..6, size_line.clone()), 0..6),
        size_line,
        prop::collection::vec(
            prop::sample::select(vec!["x-a: 1", "X-B:", "x: y z", "t:\tv", "e: é"]),
            0..3,
        ),
    )
        .prop_map(move |(splits, last, trailers)| {
            let size = |size: usize, (zeros, upper, tail): (usize, bool, &str)| {
                let hex = match upper {
                    true => format!("{size:X}"),
                    false => format!("{size:x}"),
                };
                format!("{}{hex}{tail}\r\n", "0".repeat(zeros))
            };
            let mut body = Vec::new();
            let mut rest = &data[..];
            for (split, line) in splits {
                if rest.is_empty() {
                    break;
                }
                let (chunk, after) = rest.split_at(split.min(rest.len()));
                body.extend_from_slice(size(chunk.len(), line).as_bytes());
                body.extend_from_slice(chunk);
                body.extend_from_slice(b"\r\n");
                rest = after;
            }
            if !rest.is_empty() {
                body.extend_from_slice(size(rest.len(), (0, false, "")).as_bytes());
                body.extend_from_slice(rest);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(size(0, last).as_bytes());
            for trailer in trailers {
                body.extend_from_slice(trailer.as_bytes());
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"\r\n");
            body
        })
}

/// A response to a POST, well formed or nearly, then mutated; the first byte is the size
/// of the runtime's reads.
fn http1_response() -> impl Strategy<Value = Vec<u8>> {
    let status_line = (
        prop::sample::select(vec![
            "HTTP/1.1", "HTTP/1.0", "HTTP/1.1", "http/1.1", "HTTP/2",
        ]),
        prop::sample::select(vec![
            "200", "200", "201", "204", "304", "101", "100", "103", "199", "404", "503", "999",
            "099", "20",
        ]),
        prop::sample::select(vec![" OK", " ", "", " Weird \t reason", " é"]),
    )
        .prop_map(|(version, status, reason)| format!("{version} {status}{reason}\r\n"));
    let header = prop::sample::select(vec![
        "content-type: application/octet-stream",
        "Content-Type: text/plain",
        "content-length: 3",
        "content-length: 3, 3",
        "content-length: 3,4",
        "content-length:  3 ",
        "content-length: +3",
        "content-length: ",
        "content-length: 18446744073709551615",
        "content-length: 0003",
        "transfer-encoding: chunked",
        "Transfer-Encoding: gzip, chunked",
        "transfer-encoding: chunked, gzip",
        "transfer-encoding: identity",
        "connection: close",
        "connection: keep-alive",
        "x-empty:",
        "x-tab:\tv",
        "x-odd: é",
        "bad header",
        " folded: x",
    ]);
    let informational = prop::sample::select(vec![
        "",
        "",
        "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\ncontent-length: 5\r\n\r\n",
    ]);
    let data = prop::collection::vec(any::<u8>(), 0..8);
    (
        informational,
        status_line,
        prop::collection::vec(header, 0..5),
        data.prop_flat_map(|data| (Just(data.clone()), chunked_body(data))),
        any::<bool>(),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                prop::sample::select(vec![
                    b'\r', b'\n', b' ', b'\t', b';', b':', b',', b'0', b'1', b'f', b'G', b'x', 0,
                    0x7f, 0xc3,
                ]),
                0u8..4,
            ),
            0..3,
        ),
        prop::sample::select(vec![0u8, 0, 1, 2, 5]),
    )
        .prop_map(
            |(informational, status, headers, (data, chunked), use_chunked, edits, piece)| {
                let mut bytes = informational.as_bytes().to_vec();
                bytes.extend_from_slice(status.as_bytes());
                for header in &headers {
                    bytes.extend_from_slice(header.as_bytes());
                    bytes.extend_from_slice(b"\r\n");
                }
                bytes.extend_from_slice(b"\r\n");
                let chunked_framing = headers.iter().any(|h| h.contains("chunked"));
                match chunked_framing || use_chunked {
                    true => bytes.extend_from_slice(&chunked),
                    false => bytes.extend_from_slice(&data),
                }
                for (at, byte, how) in edits {
                    if bytes.is_empty() {
                        break;
                    }
                    let at = at.index(bytes.len());
                    match how {
                        0 => bytes[at] = byte,
                        1 => bytes.insert(at, byte),
                        2 => {
                            bytes.remove(at);
                        }
                        _ => bytes.truncate(at),
                    }
                }
                let mut input = vec![piece];
                input.extend(bytes);
                input
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn sdk_answers_say_what_the_functions_did(input in prop::collection::vec(any::<u8>(), 0..160)) {
        statefun_tests::oracle::sdk_answers::check(&input);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn sdk_answers_on_2x_say_what_the_functions_did(input in prop::collection::vec(any::<u8>(), 0..160)) {
        statefun_tests::oracle::sdk_answers::check_v2(&input);
    }
}
