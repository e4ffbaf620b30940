//! Drives the relay function over HTTP with the reference runtime (on one thread) and
//! prints both processes' CPU time per message.
//!
//! `bench-runtime-http --url http://127.0.0.1:N/statefun --server-pid PID`

use std::time::Instant;

use clap::Parser;
use statefun_runtime::protocol::{Address, TypedValue};
use statefun_runtime::transport::{HttpTransport, HttpTransportConfig, UrlTemplate};
use statefun_runtime::{Endpoint, FunctionSelector, Runtime};

#[derive(Parser)]
struct Args {
    /// The relay function's URL.
    #[arg(long)]
    url: String,
    /// The function server's process id, to read its CPU time.
    #[arg(long)]
    server_pid: u32,
    /// Concurrent chains (each cycles through 16 addresses).
    #[arg(long, default_value_t = 64)]
    chains: u32,
    /// Messages per chain.
    #[arg(long, default_value_t = 5_000)]
    hops: i32,
    /// Keep everything in a store in this (fresh) directory, as `--state-dir` does.
    #[arg(long)]
    state_dir: Option<std::path::PathBuf>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let transport =
        HttpTransport::new(UrlTemplate::new(&args.url)?, HttpTransportConfig::default())?;
    let selector: FunctionSelector = "bench/*".parse()?;
    let mut builder = Runtime::builder().endpoint(selector, Endpoint::new(transport));
    if let Some(dir) = &args.state_dir {
        builder = builder.store(statefun_runtime::store::Store::open(dir)?);
    }
    let runtime = builder.build();
    let int = |n: i32| {
        let mut bytes = vec![];
        if n != 0 {
            bytes.push(0x0D);
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        TypedValue::new("io.statefun.types/int", bytes)
    };
    let start_chains = |hops: i32| {
        let runtime = runtime.clone();
        let chains = args.chains;
        async move {
            for chain in 0..chains {
                runtime
                    .send(
                        Address::new("bench", "relay", format!("{chain}:0")),
                        int(hops),
                    )
                    .await?;
            }
            runtime.run_until_quiescent().await?;
            // With a store, done means durable.
            runtime.wait_durable().await?;
            Ok::<(), Box<dyn std::error::Error>>(())
        }
    };
    // Warm up: connections, allocations, the states round trip.
    start_chains(100).await?;

    let me = std::process::id();
    let (runtime_before, server_before) = (
        bench_runtime_http::cpu_time(me)?,
        bench_runtime_http::cpu_time(args.server_pid)?,
    );
    let started = Instant::now();
    start_chains(args.hops).await?;
    let elapsed = started.elapsed();
    let runtime_cpu = bench_runtime_http::cpu_time(me)? - runtime_before;
    let server_cpu = bench_runtime_http::cpu_time(args.server_pid)? - server_before;

    let messages = f64::from(args.chains) * f64::from(args.hops + 1);
    let per_message = |cpu: std::time::Duration| cpu.as_secs_f64() * 1e6 / messages;
    println!(
        "messages                     {messages:.0} in {:.2} s ({:.0}/s)",
        elapsed.as_secs_f64(),
        messages / elapsed.as_secs_f64()
    );
    println!(
        "runtime CPU µs per message   {:.2}",
        per_message(runtime_cpu)
    );
    println!(
        "function CPU µs per message  {:.2}",
        per_message(server_cpu)
    );
    println!(
        "runtime ÷ function           {:.2}",
        runtime_cpu.as_secs_f64() / server_cpu.as_secs_f64()
    );
    Ok(())
}
