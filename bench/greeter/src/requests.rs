//! The benchmark's request bodies, built as `gen_requests.py` builds them: target
//! `example/greeter/user-1234`, every argument the string `user-1234`, every odd invocation
//! with the caller `example/person/user-1234`, and the state `seen` = 41 when present.

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, PersistedValue, Request};
use statefun_protocol::{Address, ToFunction, TypedValue};

const ID: &str = "user-1234";

fn wrapper(tag: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    statefun_protocol::wire::encode_varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

/// A batch of `invocations`, with `seen` = 41 when `with_state`.
pub fn batch(invocations: usize, with_state: bool) -> Bytes {
    let state = with_state.then(|| PersistedValue {
        state_name: "seen".into(),
        // IntWrapper{value: 41}: field 1, sfixed32.
        state_value: Some(TypedValue::new(
            "io.statefun.types/int",
            vec![0x0D, 41, 0, 0, 0],
        )),
    });
    let invocations = (0..invocations)
        .map(|i| Invocation {
            caller: (i % 2 == 1).then(|| Address::new("example", "person", ID)),
            argument: Some(TypedValue::new(
                "io.statefun.types/string",
                wrapper(0x0A, ID.as_bytes()),
            )),
        })
        .collect();
    let request = ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target: Some(Address::new("example", "greeter", ID)),
            state: state.into_iter().collect(),
            invocations,
        })),
    };
    Bytes::from(request.encode_to_vec())
}

/// The same batch in the StateFun 2.x protocol: every value a `google.protobuf.Any` with
/// the same type URL and bytes, the state `seen` as a serialized `Any` (empty when absent).
pub fn batch_v2(invocations: usize, with_state: bool) -> Bytes {
    use statefun_protocol::v2::polyglot::to_function as v2;
    use statefun_protocol::v2::polyglot::{Address as V2Address, ToFunction as V2ToFunction};
    let address = |r#type: &str| V2Address {
        namespace: "example".into(),
        r#type: r#type.into(),
        id: ID.into(),
    };
    let seen = prost_types::Any {
        type_url: "io.statefun.types/int".into(),
        value: vec![0x0D, 41, 0, 0, 0],
    };
    let state = v2::PersistedValue {
        state_name: "seen".into(),
        state_value: if with_state {
            seen.encode_to_vec().into()
        } else {
            Bytes::new()
        },
    };
    let invocations = (0..invocations)
        .map(|i| v2::Invocation {
            caller: (i % 2 == 1).then(|| address("person")),
            argument: Some(prost_types::Any {
                type_url: "io.statefun.types/string".into(),
                value: wrapper(0x0A, ID.as_bytes()),
            }),
        })
        .collect();
    let request = V2ToFunction {
        request: Some(v2::Request::Invocation(v2::InvocationBatchRequest {
            target: Some(address("greeter")),
            state: vec![state],
            invocations,
        })),
    };
    Bytes::from(request.encode_to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes the shared bench's README gives for its four requests.
    #[test]
    fn same_sizes_as_the_shared_bench() {
        assert_eq!(batch(1, true).len(), 121);
        assert_eq!(batch(10, true).len(), 677);
        assert_eq!(batch(100, true).len(), 6077);
        assert_eq!(batch(1, false).len(), 79);
    }
}
