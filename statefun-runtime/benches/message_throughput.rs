//! Function-to-function messages per second through the engine on one core: a chain of
//! relays, each message a hop from one address to the next, called in process (no socket),
//! so the figure is the runtime's own cost plus the SDK's handler.
//!
//! `cargo bench -p statefun-runtime --bench message_throughput`

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use statefun_runtime::Runtime;
use statefun_runtime::protocol::{Address, TypedValue};
use statefun_runtime::{Endpoint, FunctionSelector};
use statefun_sdk::types::{IntType, Type};
use statefun_sdk::{
    Context, Error, FunctionSpec, Message, MessageBuilder, RequestReplyHandler, TypeName,
};

const RELAY: TypeName = TypeName::from_static("bench/relay");
/// Addresses the chain cycles through: more than one, so batching and per-address
/// bookkeeping are part of the cost.
const RING: u32 = 64;
const HOPS: i32 = 10_000;

/// Passes the message on to the next address until the hop count runs out.
async fn relay(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let hops_left = message.as_int()?;
    if hops_left > 0 {
        let next = (ctx.address().id().parse::<u32>()? + 1) % RING;
        ctx.send(MessageBuilder::to(RELAY, next.to_string()).int(hops_left - 1));
    }
    Ok(())
}

fn hops(count: i32) -> TypedValue {
    let mut bytes = Vec::new();
    IntType
        .serialize(&count, &mut bytes)
        .expect("ints serialize");
    TypedValue::new("io.statefun.types/int", bytes)
}

fn message_throughput(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(RELAY, relay))
        .build()
        .unwrap();
    let selector: FunctionSelector = "bench/*".parse().unwrap();
    let runtime = tokio.block_on(async {
        Runtime::builder()
            .endpoint(selector, Endpoint::service(handler.into_service()))
            .build()
    });

    let mut group = c.benchmark_group("runtime");
    group.throughput(Throughput::Elements(HOPS as u64));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("in-process relay chain (messages)", |b| {
        b.iter_custom(|iterations| {
            tokio.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    runtime
                        .send(Address::new("bench", "relay", "0"), hops(HOPS))
                        .await
                        .unwrap();
                    runtime.run_until_quiescent().await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, message_throughput);
criterion_main!(benches);
