//! The oracle of the response reader: prost's decoder. A body reads the same through the
//! engine's [`answer`] as through `FromFunction::decode`, or fails both ways. The unit
//! tests, the property test and the fuzz target all check it.

use bytes::Bytes;
use prost::Message;
use statefun_protocol::from_function::{
    DelayedInvocation, EgressMessage, IncompleteInvocationContext, InvocationResponse,
    PersistedValueMutation, Response,
};
use statefun_protocol::{Address, FromFunction, TypedValue};

use super::{Answer, Argument, answer};
use crate::engine::address_key::AddressKey;

/// What the engine sees of a response, owned, to compare.
#[derive(Debug, PartialEq)]
enum Read {
    Incomplete(IncompleteInvocationContext),
    Effects {
        messages: Vec<(Option<Address>, TypedValue)>,
        mutations: Vec<PersistedValueMutation>,
        delayed: Vec<DelayedInvocation>,
        egresses: Vec<EgressMessage>,
    },
}

fn through_answer(body: &[u8]) -> Result<Read, prost::DecodeError> {
    Ok(match answer(Bytes::copy_from_slice(body))? {
        Answer::Incomplete(context) => Read::Incomplete(context),
        Answer::Effects(effects) => Read::Effects {
            messages: effects
                .messages
                .into_iter()
                .map(|message| {
                    let argument = match message.argument {
                        Argument::Encoded(range) => {
                            TypedValue::decode(&effects.body[range]).unwrap()
                        }
                        Argument::Decoded(value) => value,
                        Argument::Absent => TypedValue::default(),
                    };
                    (
                        message.target.as_ref().map(AddressKey::to_address),
                        argument,
                    )
                })
                .collect(),
            mutations: effects.mutations,
            delayed: effects.delayed,
            egresses: effects.egresses,
        },
    })
}

fn through_prost(body: &[u8]) -> Result<Read, prost::DecodeError> {
    Ok(match FromFunction::decode(body)?.response {
        Some(Response::IncompleteInvocationContext(context)) => Read::Incomplete(context),
        response => {
            let response = match response {
                Some(Response::InvocationResult(response)) => response,
                _ => InvocationResponse::default(),
            };
            Read::Effects {
                messages: response
                    .outgoing_messages
                    .into_iter()
                    .map(|message| (message.target, message.argument.unwrap_or_default()))
                    .collect(),
                mutations: response.state_mutations,
                delayed: response.delayed_invocations,
                egresses: response.outgoing_egresses,
            }
        }
    })
}

/// `Ok` when the engine reads `body` as prost does (or both refuse it); otherwise what
/// differs.
pub fn from_function_reads_as_prost(body: &[u8]) -> Result<(), String> {
    let (fast, slow) = (through_answer(body), through_prost(body));
    match (&fast, &slow) {
        (Ok(fast), Ok(slow)) if fast == slow => Ok(()),
        (Err(_), Err(_)) => Ok(()),
        _ => Err(format!(
            "{body:02x?}: the engine read {fast:?} but prost {slow:?}"
        )),
    }
}
