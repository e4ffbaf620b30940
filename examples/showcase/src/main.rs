//! Serves the tour's functions inside an axum app: the functions at `/statefun`, next to
//! the app's own `/health`, on 127.0.0.1:8000 unless told otherwise (`--host`, `--port`, or
//! `HOST` and `PORT`; a container needs `--host 0.0.0.0`). Point a StateFun endpoint at
//! `http://<host>:8000/statefun`: the local runtime (`module.local.yaml`) or, with
//! `--kafka-egress`, a StateFun cluster (`module.yaml`).

use std::net::{IpAddr, Ipv4Addr};

use axum::Router;
use axum::routing::get;
use clap::Parser;
use showcase::Lines;
use showcase::async_work::QuoteService;

/// The tour of statefun-sdk's functions.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The address to listen on (0.0.0.0 for every interface, as a container needs).
    #[arg(long, env = "HOST", value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// The port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8000)]
    port: u16,
    /// Write the tour's lines (topics `log` and `audit`) to the Kafka egress
    /// `showcase/kafka` (a StateFun cluster's module.yaml) instead of the playground's
    /// (module.local.yaml).
    #[arg(long)]
    kafka_egress: bool,
    /// Taken for the greeter's sake: this server only ever serves the functions.
    #[arg(long, hide = true)]
    functions_only: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let Args {
        host,
        port,
        kafka_egress,
        ..
    } = Args::parse();

    let quotes = QuoteService::default();
    quotes.set_price("coffee", 2.5).await;
    let lines = if kafka_egress {
        Lines::Kafka
    } else {
        Lines::Playground
    };
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route_service(
            "/statefun",
            showcase::handler_for(quotes, lines).into_service(),
        );

    // Before the address is announced: a SIGTERM from then on stops the server cleanly.
    let signal = statefun_sdk::http::shutdown_signal();
    let listener = tokio::net::TcpListener::bind((host, port))
        .await
        .map_err(|error| {
            std::io::Error::new(
                error.kind(),
                format!("cannot listen on {host}:{port}: {error}"),
            )
        })?;
    println!(
        "showcase functions on http://{}/statefun",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(signal)
        .await
}
