//! The function's 2.x `FromFunction`, as the answer the engine applies.

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::from_function::{
    DelayedInvocation, EgressMessage, Invocation, InvocationResponse, PersistedValueMutation,
    Response, persisted_value_mutation::MutationType,
};
use statefun_protocol::v2::polyglot as v2;
use statefun_protocol::{Address, FromFunction, TypedValue};

use super::STATE_TYPENAME;

/// 2.x record type names, by the part after the type URL's last `/`, and the typename the
/// engine's egresses take for the same record (the fields are the same).
const RECORDS: [(&str, &str); 2] = [
    (
        "org.apache.flink.statefun.flink.io.KafkaProducerRecord",
        "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord",
    ),
    (
        "org.apache.flink.statefun.flink.io.KinesisEgressRecord",
        "type.googleapis.com/io.statefun.sdk.egress.KinesisEgressRecord",
    ),
];

fn address(address: Option<v2::Address>) -> Option<Address> {
    address.map(|a| Address {
        namespace: a.namespace,
        r#type: a.r#type,
        id: a.id,
    })
}

fn value(any: Option<prost_types::Any>) -> Option<TypedValue> {
    let any = any.unwrap_or_default();
    Some(TypedValue::new(any.type_url, any.value))
}

fn egress_value(any: Option<prost_types::Any>) -> Option<TypedValue> {
    let mut value = value(any)?;
    let name = value.typename.rsplit('/').next().unwrap_or_default();
    if value.typename.contains('/')
        && let Some((_, typename)) = RECORDS.iter().find(|(record, _)| *record == name)
    {
        value.typename = (*typename).to_owned();
    }
    Some(value)
}

pub(crate) fn translate(answer: &[u8]) -> Result<Bytes, prost::DecodeError> {
    let v2::FromFunction { response } = v2::FromFunction::decode(answer)?;
    // A 2.x function that did nothing may answer zero bytes: an empty result.
    let v2::from_function::Response::InvocationResult(result) = response
        .unwrap_or_else(|| v2::from_function::Response::InvocationResult(Default::default()));
    let modify = v2::from_function::persisted_value_mutation::MutationType::Modify as i32;
    let result = InvocationResponse {
        state_mutations: result
            .state_mutations
            .into_iter()
            .map(|mutation| {
                if mutation.mutation_type == modify {
                    PersistedValueMutation {
                        mutation_type: MutationType::Modify as i32,
                        state_name: mutation.state_name,
                        state_value: Some(TypedValue::new(STATE_TYPENAME, mutation.state_value)),
                    }
                } else {
                    PersistedValueMutation {
                        mutation_type: MutationType::Delete as i32,
                        state_name: mutation.state_name,
                        state_value: None,
                    }
                }
            })
            .collect(),
        outgoing_messages: result
            .outgoing_messages
            .into_iter()
            .map(|message| Invocation {
                target: address(message.target),
                argument: value(message.argument),
            })
            .collect(),
        delayed_invocations: result
            .delayed_invocations
            .into_iter()
            .map(|delayed| DelayedInvocation {
                is_cancellation_request: false,
                cancellation_token: String::new(),
                delay_in_ms: delayed.delay_in_ms,
                target: address(delayed.target),
                argument: value(delayed.argument),
            })
            .collect(),
        outgoing_egresses: result
            .outgoing_egresses
            .into_iter()
            .map(|egress| EgressMessage {
                egress_namespace: egress.egress_namespace,
                egress_type: egress.egress_type,
                argument: egress_value(egress.argument),
            })
            .collect(),
    };
    let answer = FromFunction {
        response: Some(Response::InvocationResult(result)),
    };
    Ok(answer.encode_to_vec().into())
}
