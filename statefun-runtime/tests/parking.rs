//! Parking: an address that keeps failing is held with its messages in order while the
//! others go on, and is retried (automatically or at once) or skipped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use prost::Message;
use statefun_runtime::protocol::{Address, ToFunction, TypedValue};
use statefun_runtime::{Endpoint, ErrorKind, FailurePolicy, ParkedBacklogLimit, Runtime};

const FIRST_RETRY: Duration = Duration::from_secs(60);

/// Answers every batch with no effect, but fails (500) for the id `bad` until `fixed`.
fn function(fixed: Arc<AtomicBool>) -> Endpoint {
    let service = tower::service_fn(move |request: http::Request<Full<Bytes>>| {
        let fixed = Arc::clone(&fixed);
        async move {
            use http_body_util::BodyExt;
            let body = request.into_body().collect().await.unwrap().to_bytes();
            let to_function = ToFunction::decode(body).unwrap();
            let Some(statefun_runtime::protocol::to_function::Request::Invocation(batch)) =
                to_function.request
            else {
                panic!("not an invocation batch")
            };
            let status = if batch.target.unwrap().id == "bad" && !fixed.load(Ordering::SeqCst) {
                500
            } else {
                200
            };
            http::Response::builder()
                .status(status)
                .header("content-type", "application/octet-stream")
                .body(Full::new(Bytes::new()))
        }
    });
    Endpoint::service(service).call_budget(Duration::from_secs(2))
}

fn runtime(fixed: &Arc<AtomicBool>) -> Runtime {
    Runtime::builder()
        .endpoint("t/*".parse().unwrap(), function(Arc::clone(fixed)))
        .on_failure(FailurePolicy::Park {
            first_retry: FIRST_RETRY,
            max_retry: Duration::from_secs(600),
        })
        .record_deliveries(true)
        .build()
}

fn text(value: &str) -> TypedValue {
    TypedValue::new("t/text", Bytes::copy_from_slice(value.as_bytes()))
}

/// The arguments delivered to `id`, in order.
fn delivered_to(runtime: &Runtime, id: &str) -> Vec<String> {
    runtime
        .delivered()
        .iter()
        .filter(|batch| batch.target.id == id)
        .flat_map(|batch| &batch.invocations)
        .map(|invocation| {
            String::from_utf8(invocation.argument.clone().unwrap().value.to_vec()).unwrap()
        })
        .collect()
}

async fn park_bad(runtime: &Runtime) {
    let bad = Address::new("t", "f", "bad");
    for n in 0..3 {
        runtime
            .send(bad.clone(), text(&format!("b{n}")))
            .await
            .unwrap();
    }
    for n in 0..3 {
        runtime
            .send(Address::new("t", "f", "good"), text(&format!("g{n}")))
            .await
            .unwrap();
    }
    runtime.run_until_quiescent().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_failing_address_is_parked_and_the_others_go_on() {
    let fixed = Arc::new(AtomicBool::new(false));
    let runtime = runtime(&fixed);
    park_bad(&runtime).await;

    assert!(runtime.failure().is_none());
    assert_eq!(delivered_to(&runtime, "good"), ["g0", "g1", "g2"]);
    assert!(delivered_to(&runtime, "bad").is_empty());
    let parked = runtime.parked();
    assert_eq!(parked.len(), 1);
    let bad = &parked[0];
    assert_eq!(bad.address, Address::new("t", "f", "bad"));
    assert_eq!(bad.error.kind(), ErrorKind::CallFailed);
    assert_eq!((bad.batch, bad.messages), (1, 3));
    assert!(bad.next_retry_in <= FIRST_RETRY);
    // Messages to a parked address wait behind it.
    runtime
        .send(Address::new("t", "f", "bad"), text("b3"))
        .await
        .unwrap();
    runtime.run_until_quiescent().await.unwrap();
    assert_eq!(runtime.parked()[0].messages, 4);
}

#[tokio::test(start_paused = true)]
async fn a_retry_sends_the_failed_batch_then_the_backlog_in_order() {
    let fixed = Arc::new(AtomicBool::new(false));
    let runtime = runtime(&fixed);
    park_bad(&runtime).await;
    fixed.store(true, Ordering::SeqCst);

    assert!(runtime.retry_parked(&Address::new("t", "f", "bad")));
    runtime.run_until_quiescent().await.unwrap();
    assert_eq!(delivered_to(&runtime, "bad"), ["b0", "b1", "b2"]);
    let batches: Vec<usize> = runtime
        .delivered()
        .iter()
        .filter(|batch| batch.target.id == "bad")
        .map(|batch| batch.invocations.len())
        .collect();
    assert_eq!(batches, [1, 2], "the failed batch first, as it was");
    assert!(runtime.parked().is_empty());
    assert!(!runtime.retry_parked(&Address::new("t", "f", "bad")));
}

#[tokio::test(start_paused = true)]
async fn skipping_drops_the_head_message_only() {
    let fixed = Arc::new(AtomicBool::new(false));
    let runtime = runtime(&fixed);
    park_bad(&runtime).await;
    fixed.store(true, Ordering::SeqCst);

    let dropped = runtime.skip_parked(&Address::new("t", "f", "bad")).unwrap();
    assert_eq!(dropped.argument.unwrap().value, Bytes::from_static(b"b0"));
    runtime.run_until_quiescent().await.unwrap();
    assert_eq!(delivered_to(&runtime, "bad"), ["b1", "b2"]);
    assert!(
        runtime
            .skip_parked(&Address::new("t", "f", "bad"))
            .is_none()
    );
}

#[tokio::test(start_paused = true)]
async fn a_parked_address_is_retried_automatically_with_a_growing_backoff() {
    let fixed = Arc::new(AtomicBool::new(false));
    let runtime = runtime(&fixed);
    park_bad(&runtime).await;
    let parked_at = tokio::time::Instant::now();

    // The first automatic retry fails again: the next waits twice as long.
    let deadline = parked_at + FIRST_RETRY + Duration::from_secs(30);
    while runtime
        .parked()
        .first()
        .is_none_or(|parked| parked.retries == 0)
    {
        assert!(tokio::time::Instant::now() < deadline, "no automatic retry");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let next = runtime.parked()[0].next_retry_in;
    assert!(next > FIRST_RETRY && next <= 2 * FIRST_RETRY, "{next:?}");

    fixed.store(true, Ordering::SeqCst);
    tokio::time::sleep(2 * FIRST_RETRY + Duration::from_secs(10)).await;
    runtime.run_until_quiescent().await.unwrap();
    assert!(runtime.parked().is_empty());
    assert_eq!(delivered_to(&runtime, "bad"), ["b0", "b1", "b2"]);
}

#[tokio::test(start_paused = true)]
async fn the_stop_policy_fails_the_runtime() {
    let fixed = Arc::new(AtomicBool::new(false));
    let runtime = Runtime::builder()
        .endpoint("t/*".parse().unwrap(), function(fixed))
        .build();
    runtime
        .send(Address::new("t", "f", "bad"), text("b0"))
        .await
        .unwrap();
    let error = runtime.run_until_quiescent().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::CallFailed);
    assert!(runtime.parked().is_empty());
}

#[tokio::test(start_paused = true)]
async fn backlogs_are_sent_in_batches_under_the_payload_limit() {
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let gate = Arc::clone(&release);
    let service = tower::service_fn(move |_request: http::Request<Full<Bytes>>| {
        let gate = Arc::clone(&gate);
        async move {
            gate.acquire().await.unwrap().forget();
            http::Response::builder()
                .header("content-type", "application/octet-stream")
                .body(Full::new(Bytes::new()))
        }
    });
    let limit = 4096;
    let runtime = Runtime::builder()
        .endpoint(
            "t/*".parse().unwrap(),
            Endpoint::service(service).payload_max_bytes(limit),
        )
        .record_deliveries(true)
        .build();
    let target = Address::new("t", "f", "big");
    let value = "x".repeat(1000);
    for _ in 0..20 {
        runtime.send(target.clone(), text(&value)).await.unwrap();
    }
    release.add_permits(1000);
    runtime.run_until_quiescent().await.unwrap();
    let batches = runtime.delivered();
    let sizes: Vec<usize> = batches
        .iter()
        .map(|batch| batch.invocations.len())
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 20);
    assert_eq!(sizes[0], 1, "the first went alone, at once");
    assert!(
        sizes[1..].iter().all(|&size| (1..=4).contains(&size)),
        "{sizes:?}"
    );
    for batch in &batches {
        let bytes: usize = batch
            .invocations
            .iter()
            .map(|invocation| invocation.encoded_len())
            .sum();
        assert!(bytes < limit, "a batch of {bytes} bytes");
    }
}

/// Answers every batch with no effect but for the id `bad`, which fails (500) until
/// `fixed`, and the id `relay`, whose answer sends its message on to `t/f/bad`.
fn relaying_function(fixed: Arc<AtomicBool>) -> Endpoint {
    use statefun_runtime::protocol::from_function::{self, InvocationResponse};
    use statefun_runtime::protocol::{FromFunction, to_function};
    let service = tower::service_fn(move |request: http::Request<Full<Bytes>>| {
        let fixed = Arc::clone(&fixed);
        async move {
            use http_body_util::BodyExt;
            let body = request.into_body().collect().await.unwrap().to_bytes();
            let Some(to_function::Request::Invocation(batch)) =
                ToFunction::decode(body).unwrap().request
            else {
                panic!("not an invocation batch")
            };
            let id = batch.target.unwrap().id;
            let mut response = InvocationResponse::default();
            if id == "relay" {
                for invocation in batch.invocations {
                    response.outgoing_messages.push(from_function::Invocation {
                        target: Some(Address::new("t", "f", "bad")),
                        argument: invocation.argument,
                    });
                }
            }
            let status = if id == "bad" && !fixed.load(Ordering::SeqCst) {
                500
            } else {
                200
            };
            let answer = FromFunction {
                response: Some(from_function::Response::InvocationResult(response)),
            };
            http::Response::builder()
                .status(status)
                .header("content-type", "application/octet-stream")
                .body(Full::new(Bytes::from(answer.encode_to_vec())))
        }
    });
    Endpoint::service(service).call_budget(Duration::from_secs(2))
}

#[tokio::test(start_paused = true)]
async fn a_parked_address_at_its_backlog_limit_refuses_ingress_but_keeps_function_messages() {
    let fixed = Arc::new(AtomicBool::new(false));
    let runtime = Runtime::builder()
        .endpoint(
            "t/*".parse().unwrap(),
            relaying_function(Arc::clone(&fixed)),
        )
        .on_failure(FailurePolicy::Park {
            first_retry: FIRST_RETRY,
            max_retry: Duration::from_secs(600),
        })
        .parked_backlog_limit(ParkedBacklogLimit::DEFAULT.messages(3))
        .record_deliveries(true)
        .build();
    park_bad(&runtime).await;
    let bad = Address::new("t", "f", "bad");
    assert_eq!(runtime.parked()[0].messages, 3);

    let refused = runtime.send(bad.clone(), text("b3")).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ParkedBacklogFull);
    let message = refused.to_string();
    for part in [
        "t/f/bad is parked since",
        "3 message(s)",
        "--parked-backlog-messages",
    ] {
        assert!(message.contains(part), "`{part}` in: {message}");
    }
    let retry_after = refused.retry_after().unwrap();
    assert!(retry_after > Duration::ZERO && retry_after <= FIRST_RETRY);
    assert_eq!(runtime.parked()[0].messages, 3, "nothing was queued");

    // A function's message to it is kept beyond the limit: its sender's response stands.
    runtime
        .send(Address::new("t", "f", "relay"), text("r0"))
        .await
        .unwrap();
    runtime.run_until_quiescent().await.unwrap();
    assert_eq!(runtime.parked()[0].messages, 4);

    fixed.store(true, Ordering::SeqCst);
    assert!(runtime.retry_parked(&bad));
    runtime.run_until_quiescent().await.unwrap();
    assert_eq!(delivered_to(&runtime, "bad"), ["b0", "b1", "b2", "r0"]);
    // Unparked, it takes ingress messages again.
    runtime.send(bad.clone(), text("b4")).await.unwrap();
    runtime.run_until_quiescent().await.unwrap();
    assert_eq!(delivered_to(&runtime, "bad").last().unwrap(), "b4");
}

#[tokio::test(start_paused = true)]
async fn the_parked_backlog_is_bounded_by_bytes_too() {
    let fixed = Arc::new(AtomicBool::new(false));
    let runtime = Runtime::builder()
        .endpoint("t/*".parse().unwrap(), function(fixed))
        .on_failure(FailurePolicy::PARK)
        .parked_backlog_limit(ParkedBacklogLimit::DEFAULT.bytes(1000))
        .build();
    park_bad(&runtime).await;
    let bad = Address::new("t", "f", "bad");
    // Small messages fit, a large one does not.
    runtime.send(bad.clone(), text("b3")).await.unwrap();
    let refused = runtime
        .send(bad.clone(), text(&"x".repeat(1000)))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ParkedBacklogFull);
    assert!(refused.to_string().contains("1000 bytes"), "{refused}");
    assert_eq!(runtime.parked()[0].messages, 4);
}
