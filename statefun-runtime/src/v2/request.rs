//! The engine's request, as the 2.x `ToFunction` the function understands.

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::from_function::{
    ExpirationSpec, IncompleteInvocationContext, PersistedValueSpec, Response,
    expiration_spec::ExpireMode as WireExpireMode,
};
use statefun_protocol::to_function::Request;
use statefun_protocol::v2::polyglot as v2;
use statefun_protocol::{Address, FromFunction, ToFunction};

use super::{ExpireMode, STATE_TYPENAME, StateDecl};
use crate::transport::BoxError;

/// What to do with a request.
pub(crate) enum Translated {
    /// Answer the engine at once: register these states first.
    Register(Bytes),
    /// Send the function this 2.x request.
    Call(Bytes),
}

fn address(address: Address) -> v2::Address {
    v2::Address {
        namespace: address.namespace,
        r#type: address.r#type,
        id: address.id,
    }
}

fn spec(decl: &StateDecl) -> PersistedValueSpec {
    let expiration = decl.expire_after.map(|after| ExpirationSpec {
        mode: match decl.expire_mode {
            ExpireMode::AfterInvoke => WireExpireMode::AfterInvoke,
            ExpireMode::AfterWrite => WireExpireMode::AfterWrite,
        } as i32,
        expire_after_millis: i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
    });
    PersistedValueSpec {
        state_name: decl.name.clone(),
        expiration_spec: expiration,
        type_typename: STATE_TYPENAME.to_owned(),
    }
}

pub(crate) fn translate(request: &[u8], states: &[StateDecl]) -> Result<Translated, BoxError> {
    let ToFunction {
        request: Some(Request::Invocation(batch)),
    } = ToFunction::decode(request)?
    else {
        return Err("the request has no invocation batch".into());
    };
    let missing: Vec<PersistedValueSpec> = states
        .iter()
        .filter(|decl| !batch.state.iter().any(|s| s.state_name == decl.name))
        .map(spec)
        .collect();
    if !missing.is_empty() {
        let answer = FromFunction {
            response: Some(Response::IncompleteInvocationContext(
                IncompleteInvocationContext {
                    missing_values: missing,
                },
            )),
        };
        return Ok(Translated::Register(answer.encode_to_vec().into()));
    }
    // Exactly the declared states, in declaration order: the engine also holds states of
    // earlier module versions, which the function never declared.
    let state = states
        .iter()
        .map(|decl| {
            let value = batch
                .state
                .iter()
                .find(|s| s.state_name == decl.name)
                .and_then(|s| s.state_value.as_ref())
                .filter(|value| value.has_value)
                .map(|value| value.value.clone())
                .unwrap_or_default();
            v2::to_function::PersistedValue {
                state_name: decl.name.clone(),
                state_value: value,
            }
        })
        .collect();
    let invocations = batch
        .invocations
        .into_iter()
        .map(|invocation| v2::to_function::Invocation {
            caller: invocation.caller.map(address),
            argument: Some(
                invocation
                    .argument
                    .map(|argument| prost_types::Any {
                        type_url: argument.typename,
                        value: argument.value.to_vec(),
                    })
                    .unwrap_or_default(),
            ),
        })
        .collect();
    let request = v2::ToFunction {
        request: Some(v2::to_function::Request::Invocation(
            v2::to_function::InvocationBatchRequest {
                target: batch.target.map(address),
                state,
                invocations,
            },
        )),
    };
    Ok(Translated::Call(request.encode_to_vec().into()))
}
