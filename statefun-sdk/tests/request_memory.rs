//! One request's peak heap stays proportional to its body: a batch of a million empty
//! invocations (2 MiB) must not become a million decoded views. Decoded all at once, they
//! took about 85 times the body; the bound here is twice the body plus a little.
//!
//! Its own test binary without the test harness: the heap profiler is the global
//! allocator and counts every allocation of the process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use statefun_sdk::{Context, Error, FunctionSpec, Message, RequestReplyHandler, TypeName};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const INVOCATIONS: usize = 1_000_000;

/// `ToFunction{invocation: {target: example/greeter/x, invocations: [{} × n]}}`.
fn body(invocations: usize) -> Bytes {
    let target = b"\x0a\x15\x0a\x07example\x12\x07greeter\x1a\x01x";
    let batch_len = target.len() + 2 * invocations;
    // Of its exact size: the heap's peak is then that of the request, not of a vector
    // growing here.
    let mut body = Vec::with_capacity(3 + 5 + batch_len);
    body.extend_from_slice(&[0xA2, 0x06]);
    let mut len = batch_len as u64;
    while len >= 0x80 {
        body.push((len as u8) | 0x80);
        len >>= 7;
    }
    body.push(len as u8);
    body.extend_from_slice(target);
    for _ in 0..invocations {
        body.extend_from_slice(&[0x1A, 0x00]);
    }
    Bytes::from(body)
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(
            TypeName::from_static("example/greeter"),
            move |_ctx: &mut Context, _message: Message| {
                counted.fetch_add(1, Ordering::Relaxed);
                async { Ok::<(), Error>(()) }
            },
        ))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let body = body(INVOCATIONS);
    let body_len = body.len();
    let before = dhat::HeapStats::get();
    let answer = runtime.block_on(handler.handle(body)).unwrap();
    let after = dhat::HeapStats::get();
    assert_eq!(
        runs.load(Ordering::Relaxed),
        INVOCATIONS,
        "every invocation ran"
    );
    // The peak of the request alone: what was live before it (the body among it) is in
    // both figures.
    let peak = after.max_bytes;
    let limit = before.curr_bytes + body_len + answer.len() + (1 << 20);
    dhat::assert!(
        peak <= limit,
        "a request of {body_len} bytes peaked at {peak} bytes of heap, over {limit}"
    );
    println!("request_memory: body {body_len} B, heap peak {peak} B (limit {limit} B): ok");
}
