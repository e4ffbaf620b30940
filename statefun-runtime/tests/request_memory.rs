//! The runtime's peak heap while it builds a request stays near what it must hold: the
//! messages it acknowledged and the one request body made of them. A batch of 1000
//! messages of 16 KiB (16 MiB) must not take more than twice that, plus a little, as it
//! would if the messages were decoded, cloned into protobuf structs or copied per attempt.
//!
//! Its own test binary without the test harness: the heap profiler is the global
//! allocator and counts every allocation of the process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use statefun_protocol::{Address, TypedValue};
use statefun_runtime::{Endpoint, Runtime};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const MESSAGES: usize = 1000;
const MESSAGE_BYTES: usize = 16 * 1024;

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let largest_body = Arc::new(AtomicUsize::new(0));
    let delivered = Arc::new(AtomicUsize::new(0));
    let before = dhat::HeapStats::get();
    tokio.block_on(async {
        let (largest, count) = (Arc::clone(&largest_body), Arc::clone(&delivered));
        // Answers every batch with no effects, noting the size of the largest request.
        let function = tower::service_fn(move |request: http::Request<Full<Bytes>>| {
            let (largest, count) = (Arc::clone(&largest), Arc::clone(&count));
            async move {
                let body = request.into_body().collect().await.unwrap().to_bytes();
                largest.fetch_max(body.len(), Ordering::Relaxed);
                count.fetch_add(1, Ordering::Relaxed);
                http::Response::builder()
                    .header("content-type", "application/octet-stream")
                    .body(Full::new(Bytes::new()))
            }
        });
        let runtime = Runtime::builder()
            .endpoint(
                "example/*".parse().unwrap(),
                Endpoint::service(function).max_num_batch_requests(MESSAGES),
            )
            .build();
        let target = Address::new("example", "sink", "x");
        for _ in 0..MESSAGES {
            let value = TypedValue::new("t/bytes", vec![0x55; MESSAGE_BYTES]);
            runtime.send(target.clone(), value).await.unwrap();
        }
        runtime.run_until_quiescent().await.unwrap();
    });
    let after = dhat::HeapStats::get();
    let largest = largest_body.load(Ordering::Relaxed);
    assert!(
        largest >= MESSAGES / 2 * MESSAGE_BYTES,
        "the messages went out in one large batch (the largest request had {largest} bytes)"
    );
    // What was live before is in both figures; the messages held and the one request made
    // of them are each about `largest`.
    let peak = after.max_bytes;
    let limit = before.curr_bytes + 2 * largest + (2 << 20);
    dhat::assert!(
        peak <= limit,
        "building a request of {largest} bytes peaked at {peak} bytes of heap, over {limit}"
    );
    println!(
        "request_memory: {} batches, largest request {largest} B, heap peak {peak} B (limit {limit} B): ok",
        delivered.load(Ordering::Relaxed)
    );
}
