//! The SDK's answers against what its functions did: the input is read as a batch and, for
//! each invocation, a script of effects (state reads, writes and deletes, sends, delayed
//! sends with or without a cancellation token, cancellations, egress records, replies);
//! the function plays the script while a model records what the answer must say, and the
//! answer, decoded with prost, must be exactly that: order, fields, typenames and bytes,
//! or the missing states when the batch lacks some. [`check_v2`] runs the same on the
//! StateFun 2.x protocol.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use prost::Message as _;
use statefun_protocol::from_function::expiration_spec::ExpireMode;
use statefun_protocol::from_function::persisted_value_mutation::MutationType;
use statefun_protocol::from_function::{
    DelayedInvocation, EgressMessage as WireEgress, ExpirationSpec, Invocation as WireInvocation,
    InvocationResponse, PersistedValueMutation, PersistedValueSpec, Response,
};
use statefun_protocol::to_function::{Invocation, InvocationBatchRequest, PersistedValue, Request};
use statefun_protocol::{Address as WireAddress, FromFunction, ToFunction, TypedValue};
use statefun_sdk::types::RawType;
use statefun_sdk::{
    CancellationToken, Context, EgressBuilder, Error, FunctionSpec, HandlerErrorKind, Message,
    MessageBuilder, Protocol, RequestReplyHandler, TypeName, ValueSpec,
};

/// The typename of every declared state.
const STATE_TYPE: &str = "t/raw";

static PLAIN: ValueSpec<RawType> =
    ValueSpec::new("plain", RawType::new(TypeName::from_static(STATE_TYPE)));
static AFTER_WRITE: ValueSpec<RawType> = ValueSpec::new(
    "after_write",
    RawType::new(TypeName::from_static(STATE_TYPE)),
)
.expire_after_write(Duration::from_millis(1500));
static AFTER_CALL: ValueSpec<RawType> = ValueSpec::new(
    "after_call",
    RawType::new(TypeName::from_static(STATE_TYPE)),
)
.expire_after_call(Duration::from_secs(60));

/// The declared states, in declaration order, with their wire expiration.
fn specs() -> [(&'static ValueSpec<RawType>, ExpireMode, i64); 3] {
    [
        (&PLAIN, ExpireMode::None, 0),
        (&AFTER_WRITE, ExpireMode::AfterWrite, 1500),
        (&AFTER_CALL, ExpireMode::AfterInvoke, 60_000),
    ]
}

const FUNCTION_TYPES: [&str; 3] = ["n/f", "g/h", "x.y/z-1"];
const TYPENAMES: [&str; 3] = ["t/a", "io.statefun.types/string", "com.example/Some.Type"];
const EGRESSES: [&str; 2] = ["e/out", "io.statefun.playground/egress"];
const TOKENS: [&str; 4] = ["t1", "t2", "", "é"];
/// Typenames of received states other than the declared one: 3.x reads none of them as
/// `t/raw`; 2.x reads a type URL by its last part, so it takes `x.y/raw` for `t/raw`.
const OTHER_STATE_TYPES: [&str; 3] = ["t/other", "x.y/raw", "raw"];

/// Whether a state received as `typename` fails to read as the declared `t/raw`.
fn reads_as_other_type(typename: &str, protocol: Protocol) -> bool {
    match protocol {
        Protocol::V3 => typename != STATE_TYPE,
        // On 2.x the type URL's last part names the type; a URL without `/` names none.
        _ => typename
            .rsplit_once('/')
            .is_none_or(|(_, name)| name != "raw"),
    }
}

/// The input, read a byte at a time; past its end every byte is 0.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&first, rest)) => {
                self.0 = rest;
                first
            }
            None => 0,
        }
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[usize::from(self.byte()) % from.len()]
    }

    /// Up to `max` bytes.
    fn bytes(&mut self, max: u8) -> Vec<u8> {
        let len = usize::from(self.byte() % (max + 1)).min(self.0.len());
        let (bytes, rest) = self.0.split_at(len);
        self.0 = rest;
        bytes.to_vec()
    }

    /// Any text, from bytes read as UTF-8 (lossily).
    fn text(&mut self) -> String {
        String::from_utf8_lossy(&self.bytes(6)).into_owned()
    }
}

/// One thing a function does.
#[derive(Debug, Clone)]
enum Op {
    Set(usize, Vec<u8>),
    Remove(usize),
    Get(usize),
    Send(Target, Payload),
    SendAfter(u16, Target, Payload),
    SendAfterWithToken(u16, &'static str, Target, Payload),
    Cancel(&'static str),
    Egress(&'static str, Payload),
    Reply(Vec<u8>),
}

/// A caller (none for an ingress) and what the function does on that invocation.
type Script = (Option<WireAddress>, Vec<Op>);
/// A function type and an id.
type Target = (&'static str, String);
/// A typename and bytes.
type Payload = (&'static str, Vec<u8>);

fn op(input: &mut Input) -> Op {
    let target = |input: &mut Input| (input.pick(&FUNCTION_TYPES), input.text());
    let payload = |input: &mut Input| (input.pick(&TYPENAMES), input.bytes(8));
    match input.byte() % 9 {
        0 => Op::Set(usize::from(input.byte() % 3), input.bytes(8)),
        1 => Op::Remove(usize::from(input.byte() % 3)),
        2 => Op::Get(usize::from(input.byte() % 3)),
        3 => Op::Send(target(input), payload(input)),
        4 => Op::SendAfter(
            u16::from_le_bytes([input.byte(), input.byte()]),
            target(input),
            payload(input),
        ),
        5 => Op::SendAfterWithToken(
            u16::from_le_bytes([input.byte(), input.byte()]),
            input.pick(&TOKENS),
            target(input),
            payload(input),
        ),
        6 => Op::Cancel(input.pick(&TOKENS)),
        7 => Op::Egress(input.pick(&EGRESSES), payload(input)),
        _ => Op::Reply(input.bytes(8)),
    }
}

/// A state as the model sees it.
#[derive(Debug, Clone, Default)]
struct Cell {
    value: Option<Vec<u8>>,
    /// The runtime sent it with another typename, and the function has not written it.
    other_type: bool,
    modified: bool,
}

/// What the answer must say, built while the functions run.
#[derive(Debug, Default)]
struct Model {
    scripts: Vec<Script>,
    invoked: usize,
    cells: Vec<Cell>,
    pending_tokens: Vec<&'static str>,
    messages: Vec<WireInvocation>,
    delayed: Vec<DelayedInvocation>,
    egress: Vec<WireEgress>,
    problems: Vec<String>,
}

thread_local! {
    static MODEL: RefCell<Model> = RefCell::default();
}

fn typed(typename: &str, value: &[u8]) -> TypedValue {
    TypedValue {
        typename: typename.to_owned(),
        has_value: true,
        value: Bytes::copy_from_slice(value),
    }
}

fn wire_address(function_type: &str, id: &str) -> WireAddress {
    let (namespace, name) = function_type.split_once('/').expect("namespace/name");
    WireAddress::new(namespace, name, id)
}

/// Plays one invocation's script, checking reads and recording the effects in the model.
async fn play(ctx: &mut Context, _message: Message) -> Result<(), Error> {
    let (caller, script) = MODEL.with(|model| {
        let mut model = model.borrow_mut();
        let index = model.invoked;
        model.invoked += 1;
        model.scripts[index].clone()
    });
    for op in script {
        MODEL.with(|model| apply(ctx, &mut model.borrow_mut(), caller.as_ref(), op));
    }
    Ok(())
}

fn message(target: &Target, payload: &Payload) -> (statefun_sdk::OutgoingMessage, WireInvocation) {
    let ((function_type, id), (typename, value)) = (target, payload);
    let sent =
        MessageBuilder::to(type_name(function_type), id).raw(type_name(typename), value.clone());
    let wire = WireInvocation {
        target: Some(wire_address(function_type, id)),
        argument: Some(typed(typename, value)),
    };
    (sent, wire)
}

fn apply(ctx: &mut Context, model: &mut Model, caller: Option<&WireAddress>, op: Op) {
    let specs = specs();
    match op {
        Op::Set(state, value) => {
            if let Err(error) = ctx
                .storage()
                .set(specs[state].0, Bytes::copy_from_slice(&value))
            {
                model.problems.push(format!("set {state}: {error}"));
            }
            model.cells[state] = Cell {
                value: Some(value),
                other_type: false,
                modified: true,
            };
        }
        Op::Remove(state) => {
            if let Err(error) = ctx.storage().remove(specs[state].0) {
                model.problems.push(format!("remove {state}: {error}"));
            }
            model.cells[state] = Cell {
                value: None,
                other_type: false,
                modified: true,
            };
        }
        Op::Get(state) => {
            let read = ctx.storage().get(specs[state].0);
            let cell = &model.cells[state];
            let agrees = match (&read, cell.other_type) {
                (Err(_), true) => true,
                (Ok(read), false) => read.as_deref() == cell.value.as_deref(),
                _ => false,
            };
            if !agrees {
                model.problems.push(format!(
                    "get {state}: read {read:?}, the model holds {cell:?}"
                ));
            }
        }
        Op::Send(target, payload) => {
            let (sent, wire) = message(&target, &payload);
            ctx.send(sent);
            model.messages.push(wire);
        }
        Op::SendAfter(delay, target, payload) => {
            let (sent, wire) = message(&target, &payload);
            match ctx.send_after(Duration::from_millis(u64::from(delay)), sent) {
                Ok(()) => model.delayed.push(DelayedInvocation {
                    is_cancellation_request: false,
                    cancellation_token: String::new(),
                    delay_in_ms: i64::from(delay),
                    target: wire.target,
                    argument: wire.argument,
                }),
                Err(error) => model.problems.push(format!("send_after: {error}")),
            }
        }
        Op::SendAfterWithToken(delay, token, target, payload) => {
            let (sent, wire) = message(&target, &payload);
            let Ok(cancellation) = CancellationToken::new(token) else {
                if !token.is_empty() {
                    model.problems.push(format!("token {token:?} refused"));
                }
                return;
            };
            let result = ctx.send_after_with_token(
                Duration::from_millis(u64::from(delay)),
                &cancellation,
                sent,
            );
            let duplicate = model.pending_tokens.contains(&token);
            match (result, duplicate) {
                (Ok(()), false) => {
                    model.pending_tokens.push(token);
                    model.delayed.push(DelayedInvocation {
                        is_cancellation_request: false,
                        cancellation_token: token.to_owned(),
                        delay_in_ms: i64::from(delay),
                        target: wire.target,
                        argument: wire.argument,
                    });
                }
                (Err(_), true) => {}
                (result, _) => model.problems.push(format!(
                    "send_after_with_token {token:?}: {result:?}, pending {:?}",
                    model.pending_tokens
                )),
            }
        }
        Op::Cancel(token) => {
            let Ok(cancellation) = CancellationToken::new(token) else {
                return;
            };
            ctx.cancel_delayed_message(&cancellation);
            model.pending_tokens.retain(|pending| *pending != token);
            model.delayed.push(DelayedInvocation {
                is_cancellation_request: true,
                cancellation_token: token.to_owned(),
                delay_in_ms: 0,
                target: None,
                argument: None,
            });
        }
        Op::Egress(egress, (typename, value)) => {
            let record =
                EgressBuilder::to(type_name(egress)).raw(type_name(typename), value.clone());
            ctx.send_egress(record);
            let (namespace, name) = egress.split_once('/').expect("namespace/name");
            model.egress.push(WireEgress {
                egress_namespace: namespace.to_owned(),
                egress_type: name.to_owned(),
                argument: Some(typed(typename, &value)),
            });
        }
        Op::Reply(value) => {
            let reply_type = RawType::new(TypeName::from_static("t/reply"));
            let result = ctx.reply(&reply_type, Bytes::copy_from_slice(&value));
            match (result, caller) {
                (Ok(()), Some(caller)) => model.messages.push(WireInvocation {
                    target: Some(caller.clone()),
                    argument: Some(typed("t/reply", &value)),
                }),
                (Err(error), None) if error.is_no_caller() => {}
                (result, caller) => model
                    .problems
                    .push(format!("reply to {caller:?}: {result:?}")),
            }
        }
    }
}

/// A `TypeName` of one of the constants above.
fn type_name(text: &str) -> TypeName {
    text.parse().expect("the oracle's typenames are valid")
}

fn handler(protocol: Protocol) -> &'static RequestReplyHandler {
    static V3: OnceLock<RequestReplyHandler> = OnceLock::new();
    static V2: OnceLock<RequestReplyHandler> = OnceLock::new();
    let cell = match protocol {
        Protocol::V3 => &V3,
        _ => &V2,
    };
    cell.get_or_init(|| {
        RequestReplyHandler::builder()
            .register(
                FunctionSpec::new(TypeName::from_static("n/f"), play)
                    .with_state(&PLAIN)
                    .with_state(&AFTER_WRITE)
                    .with_state(&AFTER_CALL),
            )
            .protocol(protocol)
            .build()
            .expect("one function")
    })
}

/// The batch and the scripts the input describes.
fn batch(input: &mut Input, protocol: Protocol) -> (ToFunction, Vec<Cell>, Vec<Script>) {
    let id = input.text();
    let mut state = Vec::new();
    let mut cells = Vec::new();
    for (spec, _, _) in specs() {
        let (value, cell) = match input.byte() % 5 {
            0 => {
                cells.push(Cell::default());
                continue;
            }
            1 => (None, Cell::default()),
            2 => {
                let bytes = input.bytes(8);
                let cell = Cell {
                    value: Some(bytes.clone()),
                    ..Cell::default()
                };
                (Some(typed(STATE_TYPE, &bytes)), cell)
            }
            3 => {
                let typename = input.pick(&OTHER_STATE_TYPES);
                let bytes = input.bytes(8);
                let cell = Cell {
                    value: Some(bytes.clone()),
                    other_type: reads_as_other_type(typename, protocol),
                    modified: false,
                };
                (Some(typed(typename, &bytes)), cell)
            }
            _ => {
                // A value without `has_value` is no value.
                let mut value = typed(STATE_TYPE, &input.bytes(8));
                value.has_value = false;
                (Some(value), Cell::default())
            }
        };
        state.push(PersistedValue {
            state_name: spec.name().to_owned(),
            state_value: value,
        });
        cells.push(cell);
    }
    let mut invocations = Vec::new();
    let mut scripts = Vec::new();
    for _ in 0..1 + input.byte() % 4 {
        let caller = match input.byte() % 3 {
            0 => None,
            1 => Some(wire_address(input.pick(&FUNCTION_TYPES), &input.text())),
            _ => Some(WireAddress::default()),
        };
        let argument = typed("t/in", &input.bytes(4));
        let ops = (0..input.byte() % 6).map(|_| op(input)).collect();
        // An all-empty caller is no caller.
        let seen_caller = caller.clone().filter(|c| *c != WireAddress::default());
        scripts.push((seen_caller, ops));
        invocations.push(Invocation {
            caller,
            argument: Some(argument),
        });
    }
    let request = ToFunction {
        request: Some(Request::Invocation(InvocationBatchRequest {
            target: Some(WireAddress::new("n", "f", id)),
            state,
            invocations,
        })),
    };
    (request, cells, scripts)
}

/// Runs the batch `input` describes through the SDK's 3.x handler and checks its answer.
pub fn check(input: &[u8]) {
    let (request, expected, model) = run(input, Protocol::V3, |request| request.encode_to_vec());
    let answer =
        expected.unwrap_or_else(|error| panic!("{request:?}: the handler failed: {error}"));
    let answer = FromFunction::decode(answer).expect("the SDK's answer is protobuf");
    assert_eq!(normalized(answer.response), Some(model), "{request:?}");
}

/// The same batch and scripts through the SDK's 2.x handler: the answer must say the same
/// in 2.x's terms (`Any` payloads and states), a missing state or a cancellation token
/// must fail the request.
pub fn check_v2(input: &[u8]) {
    use statefun_protocol::v2::polyglot as v2;
    let (request, answer, model) = run(input, Protocol::V2, |request| {
        v2_request(request).encode_to_vec()
    });
    let model = match model {
        Response::IncompleteInvocationContext(_) => {
            let error = answer.expect_err("a state missing from a 2.x request");
            assert_eq!(
                error.kind(),
                HandlerErrorKind::StateNotInRequest,
                "{request:?}: {error}"
            );
            return;
        }
        Response::InvocationResult(result) => result,
    };
    if model
        .delayed_invocations
        .iter()
        .any(|delayed| delayed.is_cancellation_request || !delayed.cancellation_token.is_empty())
    {
        let error = answer.expect_err("a cancellation token on 2.x");
        assert_eq!(
            error.kind(),
            HandlerErrorKind::Unsupported,
            "{request:?}: {error}"
        );
        return;
    }
    let answer = answer.unwrap_or_else(|error| panic!("{request:?}: the handler failed: {error}"));
    let answer = v2::FromFunction::decode(answer).expect("the SDK's answer is protobuf");
    let any = |value: Option<TypedValue>| {
        value.map(|value| prost_types::Any {
            type_url: value.typename,
            value: value.value.to_vec(),
        })
    };
    let expected = v2::from_function::InvocationResponse {
        state_mutations: model
            .state_mutations
            .into_iter()
            .map(|mutation| v2::from_function::PersistedValueMutation {
                mutation_type: mutation.mutation_type,
                state_name: mutation.state_name,
                state_value: any(mutation.state_value)
                    .map(|any| any.encode_to_vec().into())
                    .unwrap_or_default(),
            })
            .collect(),
        outgoing_messages: model
            .outgoing_messages
            .into_iter()
            .map(|message| v2::from_function::Invocation {
                target: message.target.map(v2_address),
                argument: any(message.argument),
            })
            .collect(),
        delayed_invocations: model
            .delayed_invocations
            .into_iter()
            .map(|delayed| v2::from_function::DelayedInvocation {
                delay_in_ms: delayed.delay_in_ms,
                target: delayed.target.map(v2_address),
                argument: any(delayed.argument),
            })
            .collect(),
        outgoing_egresses: model
            .outgoing_egresses
            .into_iter()
            .map(|egress| v2::from_function::EgressMessage {
                egress_namespace: egress.egress_namespace,
                egress_type: egress.egress_type,
                argument: any(egress.argument),
            })
            .collect(),
    };
    assert_eq!(
        answer.response,
        Some(v2::from_function::Response::InvocationResult(expected)),
        "{request:?}"
    );
}

fn v2_address(address: WireAddress) -> statefun_protocol::v2::polyglot::Address {
    statefun_protocol::v2::polyglot::Address {
        namespace: address.namespace,
        r#type: address.r#type,
        id: address.id,
    }
}

/// A 3.x request in 2.x's terms: states and arguments as `Any`s, no value as no bytes.
fn v2_request(request: &ToFunction) -> statefun_protocol::v2::polyglot::ToFunction {
    use statefun_protocol::v2::polyglot as v2;
    let Some(Request::Invocation(batch)) = &request.request else {
        unreachable!("built by `batch`");
    };
    let any = |value: &TypedValue| prost_types::Any {
        type_url: value.typename.clone(),
        value: value.value.to_vec(),
    };
    v2::ToFunction {
        request: Some(v2::to_function::Request::Invocation(
            v2::to_function::InvocationBatchRequest {
                target: batch.target.clone().map(v2_address),
                state: batch
                    .state
                    .iter()
                    .map(|state| v2::to_function::PersistedValue {
                        state_name: state.state_name.clone(),
                        state_value: state
                            .state_value
                            .as_ref()
                            .filter(|value| value.has_value)
                            .map(|value| any(value).encode_to_vec().into())
                            .unwrap_or_default(),
                    })
                    .collect(),
                invocations: batch
                    .invocations
                    .iter()
                    .map(|invocation| v2::to_function::Invocation {
                        caller: invocation.caller.clone().map(v2_address),
                        argument: invocation.argument.as_ref().map(any),
                    })
                    .collect(),
            },
        )),
    }
}

/// Builds the batch `input` describes, runs it through the handler of `protocol` (the
/// request encoded by `encode`) and returns the request, the handler's answer and what
/// the model says the answer must be, in 3.x's terms.
fn run(
    input: &[u8],
    protocol: Protocol,
    encode: impl FnOnce(&ToFunction) -> Vec<u8>,
) -> (
    ToFunction,
    Result<Bytes, statefun_sdk::HandlerError>,
    Response,
) {
    let mut input = Input(input);
    let (request, cells, scripts) = batch(&mut input, protocol);
    let Some(Request::Invocation(sent)) = &request.request else {
        unreachable!("built above");
    };
    let missing: Vec<PersistedValueSpec> = specs()
        .into_iter()
        .filter(|(spec, _, _)| !sent.state.iter().any(|s| s.state_name == spec.name()))
        .map(|(spec, mode, millis)| PersistedValueSpec {
            state_name: spec.name().to_owned(),
            expiration_spec: Some(ExpirationSpec {
                mode: mode.into(),
                expire_after_millis: millis,
            }),
            type_typename: STATE_TYPE.to_owned(),
        })
        .collect();
    MODEL.with(|model| {
        *model.borrow_mut() = Model {
            scripts,
            cells,
            ..Model::default()
        }
    });
    let answer = super::ready(handler(protocol).handle(encode(&request).into()));
    let model = MODEL.with(|model| model.take());
    let expected = if missing.is_empty() {
        let state_mutations = specs()
            .into_iter()
            .zip(&model.cells)
            .filter(|(_, cell)| cell.modified)
            .map(|((spec, _, _), cell)| PersistedValueMutation {
                mutation_type: match cell.value {
                    Some(_) => MutationType::Modify.into(),
                    None => MutationType::Delete.into(),
                },
                state_name: spec.name().to_owned(),
                state_value: cell.value.as_ref().map(|value| typed(STATE_TYPE, value)),
            })
            .collect();
        assert!(
            model.problems.is_empty(),
            "{request:?}: {:?}",
            model.problems
        );
        assert_eq!(model.invoked, model.scripts.len(), "{request:?}");
        Response::InvocationResult(InvocationResponse {
            state_mutations,
            outgoing_messages: model.messages,
            delayed_invocations: model.delayed,
            outgoing_egresses: model.egress,
        })
    } else {
        assert_eq!(
            model.invoked, 0,
            "{request:?}: functions ran without their state"
        );
        Response::IncompleteInvocationContext(
            statefun_protocol::from_function::IncompleteInvocationContext {
                missing_values: missing,
            },
        )
    };
    (request, answer, expected)
}

/// An absent expiration reads as `mode: NONE`, as the runtime reads it.
fn normalized(response: Option<Response>) -> Option<Response> {
    match response {
        Some(Response::IncompleteInvocationContext(mut context)) => {
            for spec in &mut context.missing_values {
                spec.expiration_spec
                    .get_or_insert_with(ExpirationSpec::default);
            }
            Some(Response::IncompleteInvocationContext(context))
        }
        other => other,
    }
}
