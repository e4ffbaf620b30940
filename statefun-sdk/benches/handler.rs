//! The handler core, decode → dispatch → encode, on the shared benchmark's greeter and
//! request bodies (1, 10 and 100 invocations), without HTTP; in both protocol generations.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// The greeter never awaits, so its answer is ready at the first poll; no executor needed.
fn now<F: Future>(future: F) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the greeter does not wait for anything"),
    }
}

fn handle(c: &mut Criterion) {
    let handler = bench_greeter::handler();
    let mut group = c.benchmark_group("handle");
    for invocations in [1, 10, 100] {
        let body = bench_greeter::requests::batch(invocations, true);
        group.throughput(Throughput::Elements(invocations as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(invocations),
            &body,
            |b, body| b.iter(|| now(handler.handle(black_box(body.clone()))).expect("an answer")),
        );
    }
    let missing = bench_greeter::requests::batch(1, false);
    group.throughput(Throughput::Elements(1));
    group.bench_function("missing_state", |b| {
        b.iter(|| now(handler.handle(black_box(missing.clone()))).expect("an answer"))
    });
    group.finish();

    // The same greeter and batches in the StateFun 2.x protocol, beside the 3.x ones.
    let handler = bench_greeter::handler_for(statefun_sdk::Protocol::V2);
    let mut group = c.benchmark_group("handle_v2");
    for invocations in [1, 10, 100] {
        let body = bench_greeter::requests::batch_v2(invocations, true);
        group.throughput(Throughput::Elements(invocations as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(invocations),
            &body,
            |b, body| b.iter(|| now(handler.handle(black_box(body.clone()))).expect("an answer")),
        );
    }
    group.finish();
}

criterion_group!(benches, handle);
criterion_main!(benches);
