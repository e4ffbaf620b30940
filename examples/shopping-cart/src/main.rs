//! Serves the functions at `/statefun`, on 127.0.0.1:8000 unless told otherwise (`--host`,
//! `--port`, or `HOST` and `PORT`; a container needs `--host 0.0.0.0`), for the local
//! runtime (`module.local.yaml`) or, with `--kafka-egress`, a StateFun cluster
//! (`module.yaml`). Stops on Ctrl-C or SIGTERM, letting requests in flight finish.

use std::net::{IpAddr, Ipv4Addr};

use clap::Parser;
use shopping_cart::ReceiptsEgress;
use statefun_sdk::http::server::Server;
use statefun_sdk::http::shutdown_signal;

/// The shopping cart's functions.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The address to listen on (0.0.0.0 for every interface, as a container needs).
    #[arg(long, env = "HOST", value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// The port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8000)]
    port: u16,
    /// Write receipts to the Kafka egress `shop/receipts` (a StateFun cluster's
    /// module.yaml) instead of the playground's (module.local.yaml).
    #[arg(long)]
    kafka_egress: bool,
    /// Taken for the greeter's sake: this server only ever serves the functions.
    #[arg(long, hide = true)]
    functions_only: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let Args {
        host,
        port,
        kafka_egress,
        ..
    } = Args::parse();
    // Before the address is announced: a SIGTERM from then on stops the server cleanly.
    let signal = shutdown_signal();
    let listener = tokio::net::TcpListener::bind((host, port))
        .await
        .map_err(|error| {
            std::io::Error::new(
                error.kind(),
                format!("cannot listen on {host}:{port}: {error}"),
            )
        })?;
    println!(
        "shop functions on http://{}/statefun",
        listener.local_addr()?
    );
    let receipts = if kafka_egress {
        ReceiptsEgress::Kafka
    } else {
        ReceiptsEgress::Playground
    };
    Server::new(shopping_cart::handler_for(receipts))
        .serve_with_shutdown(listener, signal)
        .await
}
