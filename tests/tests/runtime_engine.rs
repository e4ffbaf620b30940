//! The runtime's semantics end to end with functions called in process through a tower
//! service, on Tokio's paused clock: messaging, incomplete contexts, batching and
//! back-pressure, delayed messages, expiration, response checks and call budgets.

mod runtime_support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use prost::Message;
use runtime_support::function::{spec, spec_with_ttl};
use runtime_support::{Functions, as_int, as_string, int, string};
use statefun_protocol::from_function::expiration_spec::ExpireMode;
use statefun_protocol::from_function::persisted_value_mutation::MutationType;
use statefun_protocol::from_function::{
    IncompleteInvocationContext, PersistedValueMutation, Response,
};
use statefun_protocol::to_function::Request;
use statefun_protocol::{Address, FromFunction, TypedValue, typename};
use statefun_runtime::transport::TransportErrorKind;
use statefun_runtime::{Endpoint, ErrorKind, Expiration, FunctionType, Harness};
use tokio::sync::Semaphore;

fn greeter(id: &str) -> Address {
    Address::new("example", "greeter", id)
}

fn counter(id: &str) -> Address {
    Address::new("example", "counter", id)
}

/// A greeter that asks a counter of another function type how often it greeted, and a
/// counter that answers its caller.
fn greeter_and_counter() -> Functions {
    Functions::new()
        .with("example/greeter", vec![], |context, argument| {
            if argument.typename == typename::STRING {
                let name = as_string(argument);
                context.send(counter(&name), string(&name));
            } else {
                let count = as_int(argument);
                let caller = context.caller.clone().expect("the counter is the caller");
                context.egress(
                    "example/greetings",
                    string(&format!("Hello {}, visit #{count}", caller.id)),
                );
            }
        })
        .with(
            "example/counter",
            vec![spec("seen", typename::INT)],
            |context, _argument| {
                let seen = context.get("seen").map_or(0, |seen| as_int(&seen)) + 1;
                context.set("seen", int(seen));
                if let Some(caller) = context.caller.clone() {
                    context.send(caller, int(seen));
                }
            },
        )
}

#[tokio::test(start_paused = true)]
async fn messages_across_function_types_carry_the_caller_but_ingress_has_none() {
    let functions = greeter_and_counter();
    let harness = Harness::builder()
        .service("example/*", functions.service())
        .egress("example/greetings")
        .build()
        .unwrap();

    for _ in 0..2 {
        harness.send(greeter("bob"), string("bob")).await.unwrap();
        harness.run_until_quiescent().await.unwrap();
    }

    let greetings: Vec<_> = harness
        .egress("example/greetings")
        .iter()
        .map(as_string)
        .collect();
    assert_eq!(greetings, ["Hello bob, visit #1", "Hello bob, visit #2"]);
    assert_eq!(
        harness.state(&counter("bob"), "seen").map(|v| as_int(&v)),
        Some(2)
    );

    let delivered = harness.delivered();
    let ingress = delivered
        .iter()
        .find(|batch| batch.target == greeter("bob"))
        .unwrap();
    assert_eq!(ingress.invocations[0].caller, None);
    let to_counter = delivered
        .iter()
        .find(|batch| batch.target == counter("bob"))
        .unwrap();
    assert_eq!(to_counter.invocations[0].caller, Some(greeter("bob")));
    let reply = delivered
        .iter()
        .filter(|batch| batch.target == greeter("bob"))
        .nth(1)
        .unwrap();
    assert_eq!(reply.invocations[0].caller, Some(counter("bob")));
}

#[tokio::test(start_paused = true)]
async fn incomplete_context_registers_the_states_and_resends_the_same_batch() {
    let functions = greeter_and_counter();
    let harness = Harness::builder()
        .service("example/*", functions.service())
        .egress("example/greetings")
        .build()
        .unwrap();

    harness.send(counter("ann"), string("x")).await.unwrap();
    harness.run_until_quiescent().await.unwrap();

    let requests: Vec<_> = functions
        .requests()
        .into_iter()
        .map(|request| match request.request {
            Some(Request::Invocation(batch)) => batch,
            None => unreachable!(),
        })
        .collect();
    assert_eq!(requests.len(), 2, "a first try and one re-send");
    assert!(requests[0].state.is_empty());
    assert_eq!(requests[1].state.len(), 1);
    assert_eq!(requests[1].state[0].state_name, "seen");
    assert_eq!(
        requests[1].state[0].state_value, None,
        "registered, still empty"
    );
    assert_eq!(requests[0].invocations, requests[1].invocations);
    assert_eq!(
        harness.state(&counter("ann"), "seen").map(|v| as_int(&v)),
        Some(1)
    );
    let specs = harness
        .runtime()
        .state_specs(&FunctionType::new("example", "counter"));
    assert_eq!(specs["seen"].typename, typename::INT);
    assert_eq!(specs["seen"].expiration, Expiration::Never);
}

/// A function whose calls wait until the test lets them through, counting how many are
/// in flight at once.
#[derive(Clone)]
struct Gate {
    permits: Arc<Semaphore>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
    started: Arc<AtomicUsize>,
}

impl Gate {
    fn new() -> Self {
        Self {
            permits: Arc::new(Semaphore::new(0)),
            in_flight: Arc::default(),
            max_in_flight: Arc::default(),
            started: Arc::default(),
        }
    }

    fn service(
        &self,
        functions: Functions,
    ) -> impl tower::Service<
        http::Request<Full<Bytes>>,
        Response = http::Response<Full<Bytes>>,
        Error = std::convert::Infallible,
        Future = impl Send,
    > + Clone
    + Send
    + Sync
    + 'static {
        let gate = self.clone();
        tower::service_fn(move |request: http::Request<Full<Bytes>>| {
            let gate = gate.clone();
            let functions = functions.clone();
            async move {
                let now = gate.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                gate.max_in_flight.fetch_max(now, Ordering::SeqCst);
                gate.started.fetch_add(1, Ordering::SeqCst);
                gate.permits.acquire().await.unwrap().forget();
                gate.in_flight.fetch_sub(1, Ordering::SeqCst);
                let body = request.into_body().collect().await.unwrap().to_bytes();
                Ok(runtime_support::function::ok_response(
                    functions.handle(body),
                ))
            }
        })
    }
}

/// Polls `future` once: whether it is still waiting.
async fn still_pending<F: Future + Unpin>(future: &mut F) -> bool {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx).is_pending())).await
}

fn appender() -> Functions {
    Functions::new().with(
        "example/log",
        vec![spec("log", typename::STRING)],
        |context, argument| {
            let mut log = context
                .get("log")
                .map(|v| as_string(&v))
                .unwrap_or_default();
            log.push_str(&as_string(argument));
            context.set("log", string(&log));
        },
    )
}

#[tokio::test(start_paused = true)]
async fn one_request_in_flight_per_address_and_the_backlog_arrives_as_one_batch() {
    let functions = appender();
    let gate = Gate::new();
    let harness = Harness::builder()
        .service("example/*", gate.service(functions.clone()))
        .build()
        .unwrap();
    let target = Address::new("example", "log", "a");

    // The first message goes out alone (as an incomplete context, then with its state)...
    harness.send(target.clone(), string("0")).await.unwrap();
    let sends = (1..=20).map(|i| {
        let runtime = harness.runtime().clone();
        let target = target.clone();
        tokio::spawn(async move { runtime.send(target, string(&i.to_string())).await })
    });
    for send in sends.collect::<Vec<_>>() {
        send.await.unwrap().unwrap();
    }
    assert_eq!(gate.started.load(Ordering::SeqCst), 1);
    assert_eq!(harness.runtime().backlog(&target), 20);
    // ... and everything that arrived meanwhile follows as a single batch.
    gate.permits.add_permits(1000);
    harness.run_until_quiescent().await.unwrap();

    assert_eq!(gate.max_in_flight.load(Ordering::SeqCst), 1);
    let batches: Vec<usize> = harness
        .delivered()
        .iter()
        .map(|batch| batch.invocations.len())
        .collect();
    assert_eq!(batches, [1, 20]);
    let expected: String = (0..=20).map(|i| i.to_string()).collect();
    assert_eq!(
        harness.state(&target, "log").map(|v| as_string(&v)),
        Some(expected)
    );
}

#[tokio::test(start_paused = true)]
async fn a_full_backlog_makes_ingestion_wait_until_the_batch_is_sent() {
    let functions = appender();
    let gate = Gate::new();
    let harness = Harness::builder()
        .endpoint(
            "example/*",
            Endpoint::service(gate.service(functions.clone())).max_num_batch_requests(3),
        )
        .build()
        .unwrap();
    let target = Address::new("example", "log", "a");

    for i in 0..4 {
        harness
            .send(target.clone(), string(&i.to_string()))
            .await
            .unwrap();
    }
    assert_eq!(harness.runtime().backlog(&target), 3);
    let mut blocked = Box::pin(harness.send(target.clone(), string("4")));
    assert!(
        still_pending(&mut blocked).await,
        "ingestion waits at the limit"
    );
    assert_eq!(harness.runtime().backlog(&target), 3);

    // Let the incomplete-context round trip and the first batch through.
    gate.permits.add_permits(2);
    blocked.await.unwrap();
    gate.permits.add_permits(1000);
    harness.run_until_quiescent().await.unwrap();
    assert_eq!(
        harness
            .state(&target, "log")
            .map(|v| as_string(&v))
            .as_deref(),
        Some("01234")
    );
}

fn scheduler() -> Functions {
    Functions::new()
        .with("example/scheduler", vec![], |context, argument| {
            let command = as_string(argument);
            let target = Address::new("example", "inbox", "x");
            match command.split_once(' ') {
                Some(("after", rest)) => {
                    let (delay, token) = rest.split_once(' ').unwrap_or((rest, ""));
                    context.send_after(delay.parse().unwrap(), target, string(&command), token);
                }
                Some(("cancel", token)) => context.cancel(token),
                Some(("both", token)) => {
                    context.send_after(1000, target.clone(), string("both"), token);
                    context.cancel(token);
                    context.send_after(2000, target, string("both again"), token);
                }
                _ => context.cancel(""),
            }
        })
        .with("example/inbox", vec![], |context, argument| {
            let from = context.caller.clone().map(|caller| caller.to_string());
            context.egress(
                "example/inbox",
                string(&format!(
                    "{} from {}",
                    as_string(argument),
                    from.unwrap_or_default()
                )),
            );
        })
}

fn scheduler_harness() -> Harness {
    Harness::builder()
        .service("example/*", scheduler().service())
        .egress("example/inbox")
        .build()
        .unwrap()
}

fn inbox(harness: &Harness) -> Vec<String> {
    harness
        .egress("example/inbox")
        .iter()
        .map(as_string)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_delayed_message_arrives_after_its_delay_from_its_sender() {
    let harness = scheduler_harness();
    let sender = Address::new("example", "scheduler", "s");
    harness
        .send(sender.clone(), string("after 5000"))
        .await
        .unwrap();
    harness.run_until_quiescent().await.unwrap();
    assert_eq!(harness.runtime().pending_delayed_messages(), 1);

    harness.advance(Duration::from_millis(4999)).await.unwrap();
    assert!(inbox(&harness).is_empty());
    harness.advance(Duration::from_millis(1)).await.unwrap();
    assert_eq!(inbox(&harness), ["after 5000 from example/scheduler/s"]);
    assert_eq!(harness.runtime().pending_delayed_messages(), 0);
}

#[tokio::test(start_paused = true)]
async fn cancellation_removes_a_pending_message_and_is_a_no_op_once_fired_or_unknown() {
    let harness = scheduler_harness();
    let sender = Address::new("example", "scheduler", "s");
    let other_sender = Address::new("example", "scheduler", "t");
    for command in ["after 1000 a", "after 1000 b"] {
        harness.send(sender.clone(), string(command)).await.unwrap();
    }
    // Tokens belong to their sender: another sender cancelling `a` cancels nothing.
    harness
        .send(other_sender, string("cancel a"))
        .await
        .unwrap();
    harness
        .send(sender.clone(), string("cancel b"))
        .await
        .unwrap();
    harness.run_until_quiescent().await.unwrap();
    harness.advance(Duration::from_secs(1)).await.unwrap();
    assert_eq!(inbox(&harness), ["after 1000 a from example/scheduler/s"]);

    for command in ["cancel a", "cancel never-scheduled"] {
        harness.send(sender.clone(), string(command)).await.unwrap();
    }
    harness.run_until_quiescent().await.unwrap();
    assert_eq!(inbox(&harness).len(), 1);
    // A fired token may be used again.
    harness
        .send(sender.clone(), string("after 10 a"))
        .await
        .unwrap();
    harness.advance(Duration::from_millis(10)).await.unwrap();
    assert_eq!(inbox(&harness).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn schedule_cancel_schedule_with_one_token_in_one_response_keeps_the_last() {
    let harness = scheduler_harness();
    harness
        .send(Address::new("example", "scheduler", "s"), string("both t"))
        .await
        .unwrap();
    harness.advance(Duration::from_secs(3)).await.unwrap();
    assert_eq!(inbox(&harness), ["both again from example/scheduler/s"]);
}

#[tokio::test(start_paused = true)]
async fn a_pending_duplicate_token_fails_the_runtime() {
    let harness = scheduler_harness();
    let sender = Address::new("example", "scheduler", "s");
    harness
        .send(sender.clone(), string("after 1000 t"))
        .await
        .unwrap();
    harness
        .send(sender.clone(), string("after 1000 t"))
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::DuplicateCancellationToken);
    assert_eq!(error.address(), &sender);
    assert!(error.to_string().contains("`t`"), "{error}");
    // The failed runtime refuses further work with the same error.
    let again = harness.send(sender, string("after 1 u")).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::DuplicateCancellationToken);
}

#[tokio::test(start_paused = true)]
async fn a_negative_delay_fails_the_runtime() {
    let harness = scheduler_harness();
    harness
        .send(
            Address::new("example", "scheduler", "s"),
            string("after -1"),
        )
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NegativeDelay);
    assert!(error.to_string().contains("-1 ms"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn an_empty_cancellation_token_fails_the_runtime() {
    let harness = scheduler_harness();
    harness
        .send(
            Address::new("example", "scheduler", "s"),
            string("nonsense"),
        )
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::EmptyCancellationToken);
}

fn remember(mode: ExpireMode) -> Functions {
    Functions::new().with(
        "example/memo",
        vec![spec_with_ttl("note", typename::STRING, mode, 60_000)],
        |context, argument| {
            let text = as_string(argument);
            let seen = context.get("note").map(|note| as_string(&note));
            context.egress("example/seen", string(&seen.unwrap_or_else(|| "-".into())));
            if text != "read" {
                context.set("note", string(&text));
            }
        },
    )
}

async fn seen_after(mode: ExpireMode, steps: &[(u64, &str)]) -> Vec<String> {
    let harness = Harness::builder()
        .service("example/*", remember(mode).service())
        .egress("example/seen")
        .build()
        .unwrap();
    let memo = Address::new("example", "memo", "m");
    for (seconds, text) in steps {
        harness
            .advance(Duration::from_secs(*seconds))
            .await
            .unwrap();
        harness.send(memo.clone(), string(text)).await.unwrap();
        harness.run_until_quiescent().await.unwrap();
    }
    harness
        .egress("example/seen")
        .iter()
        .map(as_string)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn after_write_state_expires_a_ttl_after_the_last_write_whatever_the_reads() {
    let seen = seen_after(
        ExpireMode::AfterWrite,
        &[(0, "hello"), (30, "read"), (29, "read"), (1, "read")],
    )
    .await;
    assert_eq!(seen, ["-", "hello", "hello", "-"]);
}

#[tokio::test(start_paused = true)]
async fn after_invoke_state_lives_while_invocations_come_within_the_ttl() {
    let seen = seen_after(
        ExpireMode::AfterInvoke,
        &[
            (0, "hello"),
            (50, "read"),
            (50, "read"),
            (59, "read"),
            (60, "read"),
        ],
    )
    .await;
    assert_eq!(seen, ["-", "hello", "hello", "hello", "-"]);
}

#[tokio::test(start_paused = true)]
async fn expired_state_is_gone_from_inspection_too() {
    let harness = Harness::builder()
        .service("example/*", remember(ExpireMode::AfterWrite).service())
        .egress("example/seen")
        .build()
        .unwrap();
    let memo = Address::new("example", "memo", "m");
    harness.send(memo.clone(), string("hello")).await.unwrap();
    harness.run_until_quiescent().await.unwrap();
    assert!(harness.state(&memo, "note").is_some());
    harness.advance(Duration::from_secs(60)).await.unwrap();
    assert!(harness.state(&memo, "note").is_none());
}

fn mutator(mutation: PersistedValueMutation) -> Functions {
    Functions::new().with(
        "example/mutator",
        vec![spec("seen", typename::INT)],
        move |context, _argument| {
            context.egress("example/out", string("side effect"));
            context.raw_mutation(mutation.clone());
        },
    )
}

async fn failure_of(functions: Functions) -> statefun_runtime::Error {
    let harness = Harness::builder()
        .service("example/*", functions.service())
        .egress("example/out")
        .build()
        .unwrap();
    harness
        .send(Address::new("example", "mutator", "m"), string("go"))
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert!(
        harness.egress("example/out").is_empty(),
        "a rejected response applies nothing"
    );
    error
}

#[tokio::test(start_paused = true)]
async fn a_modify_with_another_typename_fails_naming_both_types() {
    let error = failure_of(mutator(PersistedValueMutation {
        mutation_type: MutationType::Modify as i32,
        state_name: "seen".into(),
        state_value: Some(TypedValue::new(typename::LONG, Bytes::new())),
    }))
    .await;
    assert_eq!(error.kind(), ErrorKind::StateTypeMismatch);
    let message = error.to_string();
    assert!(
        message.contains("`io.statefun.types/int`") && message.contains("`io.statefun.types/long`"),
        "{message}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_mutation_of_an_undeclared_state_fails() {
    let error = failure_of(mutator(PersistedValueMutation {
        mutation_type: MutationType::Delete as i32,
        state_name: "other".into(),
        state_value: None,
    }))
    .await;
    assert_eq!(error.kind(), ErrorKind::UnknownState);
    assert!(error.to_string().contains("`other`"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_spec_re_announced_with_another_type_fails_naming_both_types() {
    // A function redeployed between two calls: it first declares `seen` as an int, then
    // reports it missing as a long.
    let calls = Arc::new(AtomicUsize::new(0));
    let service = tower::service_fn(move |_request: http::Request<Full<Bytes>>| {
        let typename = if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            typename::INT
        } else {
            typename::LONG
        };
        let answer = FromFunction {
            response: Some(Response::IncompleteInvocationContext(
                IncompleteInvocationContext {
                    missing_values: vec![spec("seen", typename), spec("more", typename::INT)],
                },
            )),
        };
        async move {
            Ok::<_, std::convert::Infallible>(runtime_support::function::ok_response(
                answer.encode_to_vec().into(),
            ))
        }
    });
    let harness = Harness::builder()
        .service("example/*", service)
        .build()
        .unwrap();
    harness
        .send(Address::new("example", "v", "1"), string("a"))
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::StateTypeMismatch);
    let message = error.to_string();
    assert!(
        message.contains("`seen`")
            && message.contains("`io.statefun.types/int`")
            && message.contains("`io.statefun.types/long`"),
        "{message}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_function_reporting_sent_states_missing_again_fails_instead_of_looping() {
    let service = tower::service_fn(move |_request: http::Request<Full<Bytes>>| {
        let answer = FromFunction {
            response: Some(Response::IncompleteInvocationContext(
                IncompleteInvocationContext {
                    missing_values: vec![spec("seen", typename::INT)],
                },
            )),
        };
        async move {
            Ok::<_, std::convert::Infallible>(runtime_support::function::ok_response(
                answer.encode_to_vec().into(),
            ))
        }
    });
    let harness = Harness::builder()
        .service("example/*", service)
        .build()
        .unwrap();
    harness
        .send(Address::new("example", "v", "1"), string("a"))
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MissingStatesLoop);
    assert!(error.to_string().contains("\"seen\""), "{error}");
}

#[tokio::test(start_paused = true)]
async fn unknown_egress_and_unknown_function_types_are_errors() {
    let functions = Functions::new()
        .with("example/a", vec![], |context, _| {
            context.egress("example/nowhere", string("x"))
        })
        .with("example/b", vec![], |context, _| {
            context.send(Address::new("other", "x", "1"), string("x"))
        });
    let harness = Harness::builder()
        .service("example/*", functions.service())
        .build()
        .unwrap();

    // An ingress message to a type nobody serves is refused, and the runtime goes on.
    let refused = harness
        .send(Address::new("other", "x", "1"), string("x"))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::UnknownFunctionType);
    assert!(refused.to_string().contains("`other/x`"), "{refused}");

    harness
        .send(Address::new("example", "a", "1"), string("x"))
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UnknownEgress);
    assert!(error.to_string().contains("`example/nowhere`"), "{error}");

    let harness = Harness::builder()
        .service(
            "example/*",
            Functions::new()
                .with("example/b", vec![], |context, _| {
                    context.send(Address::new("other", "x", "1"), string("x"))
                })
                .service(),
        )
        .build()
        .unwrap();
    harness
        .send(Address::new("example", "b", "1"), string("x"))
        .await
        .unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UnknownFunctionType);
    assert_eq!(error.address(), &Address::new("other", "x", "1"));
    assert_eq!(
        error.to_string(),
        "example/b/1 sent a message to other/x/1, but no endpoint serves its function type `other/x`"
    );
}

#[tokio::test(start_paused = true)]
async fn an_exhausted_call_budget_reports_the_address_and_the_last_cause() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&attempts);
    let failing = tower::service_fn(move |_request: http::Request<Full<Bytes>>| {
        counted.fetch_add(1, Ordering::SeqCst);
        async {
            http::Response::builder()
                .status(503)
                .body(Full::new(Bytes::from_static(b"busy")))
        }
    });
    let harness = Harness::builder()
        .endpoint(
            "example/*",
            Endpoint::service(failing).call_budget(Duration::from_secs(10)),
        )
        .build()
        .unwrap();
    let target = Address::new("example", "down", "1");
    let started = tokio::time::Instant::now();
    harness.send(target.clone(), string("x")).await.unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::CallFailed);
    assert_eq!(error.address(), &target);
    assert_eq!(
        error.transport_error().unwrap().kind(),
        TransportErrorKind::Status
    );
    let message = error.to_string();
    assert!(
        message.contains("example/down/1") && message.contains("503") && message.contains("busy"),
        "{message}"
    );
    // Backoff doubles from 2 ms: 13 attempts with 2+4+…+4096 ms = 8.19 s between them fit
    // in 10 s; the next backoff, 8.192 s, does not.
    assert_eq!(attempts.load(Ordering::SeqCst), 13);
    assert!(started.elapsed() <= Duration::from_secs(10));
    assert!(harness.delivered().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_function_slower_than_the_budget_fails_as_a_timeout() {
    let attempts = Arc::new(Mutex::new(0));
    let functions = appender();
    let counted = Arc::clone(&attempts);
    let slow_once = tower::service_fn(move |request: http::Request<Full<Bytes>>| {
        let first = {
            let mut attempts = counted.lock().unwrap();
            *attempts += 1;
            *attempts == 1
        };
        let functions = functions.clone();
        async move {
            if first {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            let body = request.into_body().collect().await.unwrap().to_bytes();
            Ok::<_, std::convert::Infallible>(runtime_support::function::ok_response(
                functions.handle(body),
            ))
        }
    });
    let harness = Harness::builder()
        .endpoint(
            "example/*",
            Endpoint::service(slow_once).call_budget(Duration::from_secs(60)),
        )
        .build()
        .unwrap();
    // The first attempt uses up the budget: it fails as a timeout.
    let target = Address::new("example", "log", "a");
    harness.send(target.clone(), string("x")).await.unwrap();
    let error = harness.run_until_quiescent().await.unwrap_err();
    assert_eq!(
        error.transport_error().unwrap().kind(),
        TransportErrorKind::Timeout
    );
    assert_eq!(*attempts.lock().unwrap(), 1);
}
