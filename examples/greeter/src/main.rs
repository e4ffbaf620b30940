//! `cargo run -p greeter`: the greeter functions and a local StateFun (the reference
//! runtime with the playground's ingress on 8090 and egress on 8091) in one process.
//!
//! `cargo run -p greeter -- --functions-only`: only the functions, on port 8000, for a real
//! StateFun cluster (`module.yaml`, with `--kafka-egress`) or the playground image
//! (`module.local.yaml`).
//!
//! Everything listens on 127.0.0.1 unless `--host` says otherwise: in a container, pass
//! `--host 0.0.0.0`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use clap::Parser;
use greeter::local::{self, Ports};
use statefun_runtime::admin::DEFAULT_ADMIN_ADDRESS;
use statefun_sdk::http::server::Server;
use statefun_sdk::http::shutdown_signal;

/// The StateFun playground greeter, in Rust.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Serve only the functions, for a StateFun cluster elsewhere.
    #[arg(long)]
    functions_only: bool,
    /// The address to listen on (0.0.0.0 for every interface, as a container needs).
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// With --functions-only: greet on the Kafka egress `example/greetings` (a StateFun
    /// cluster's module.yaml) instead of the playground's (module.local.yaml).
    #[arg(long, requires = "functions_only")]
    kafka_egress: bool,
    /// The functions' port.
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// The playground ingress port (local mode).
    #[arg(long, default_value_t = 8090)]
    ingress_port: u16,
    /// The playground egress port (local mode).
    #[arg(long, default_value_t = 8091)]
    egress_port: u16,
    /// Where the runtime's dashboard, admin API and metrics listen (local mode)
    /// [default: 127.0.0.1:8081; if that is taken, the greeter runs without them].
    #[arg(long, value_name = "ADDR")]
    admin: Option<SocketAddr>,
    /// Do not serve the dashboard, admin API and metrics.
    #[arg(long, conflicts_with = "admin")]
    no_admin: bool,
    /// How long the local runtime retries a failing call before it parks the address
    /// (local mode; e.g. 5s, 500ms) [default: the runtime's, 2 min].
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    call_budget: Option<Duration>,
}

fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 5s or 500ms"))?;
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(number)),
        "s" | "" => Ok(Duration::from_secs(number)),
        "min" => Ok(Duration::from_secs(number.saturating_mul(60))),
        other => Err(format!("unknown unit `{other}` (ms, s, min)")),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let args = Args::parse();
    // Before anything is announced: a SIGTERM from then on stops the greeter cleanly.
    let signal = shutdown_signal();

    if args.functions_only {
        let listener = tokio::net::TcpListener::bind((args.host, args.port))
            .await
            .map_err(|error| format!("cannot listen on {}:{}: {error}", args.host, args.port))?;
        println!(
            "greeter functions on http://{}/statefun",
            listener.local_addr()?
        );
        let egress = if args.kafka_egress {
            greeter::GreetingsEgress::Kafka
        } else {
            greeter::GreetingsEgress::Playground
        };
        Server::new(greeter::handler_for(egress))
            .serve_with_shutdown(listener, signal)
            .await?;
        return Ok(());
    }

    let ports = Ports {
        functions: args.port,
        ingress: args.ingress_port,
        egress: args.egress_port,
    };
    let mut running = local::start_with_budget(args.host, ports, None, args.call_budget).await?;
    if !args.no_admin {
        let address = args.admin.unwrap_or(DEFAULT_ADMIN_ADDRESS);
        match running.statefun.serve_admin(address).await {
            Ok(_) => {}
            // The default port may be another program's.
            Err(error) if args.admin.is_none() => {
                eprintln!(
                    "running without the dashboard: {error}; pick an address with --admin ADDR"
                );
            }
            Err(error) => return Err(error.into()),
        }
    }
    println!("greeter functions on http://{}/statefun", running.functions);
    println!(
        "playground ingress on {}, egress on {}",
        running.ingress(),
        running.egress()
    );
    if let Some(admin) = running.admin() {
        println!("dashboard on http://{admin}/ (metrics on /metrics)");
    }
    println!();
    println!("Try:");
    println!(
        "  curl -X PUT -H \"Content-Type: application/vnd.example/GreetRequest\" -d '{{\"name\": \"Bob\"}}' localhost:{}/example/person/Bob",
        running.ingress().port()
    );
    println!(
        "  curl -X GET localhost:{}/greetings",
        running.egress().port()
    );
    tokio::select! {
        () = signal => {}
        failure = running.statefun.runtime().failed() => eprintln!("the runtime stopped: {failure}"),
    }
    running.shutdown().await;
    Ok(())
}
