//! Serves the functions on 127.0.0.1 (or `HOST`; a container needs `HOST=0.0.0.0`), port
//! 8000 (or `PORT`) at `/statefun`, for the local runtime
//! (`module.local.yaml`) or a StateFun cluster (`module.yaml`). Stops on Ctrl-C or SIGTERM,
//! letting requests in flight finish.

use std::net::{IpAddr, Ipv4Addr};

use statefun_sdk::http::server::Server;
use statefun_sdk::http::shutdown_signal;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8000);
    let host: IpAddr = std::env::var("HOST")
        .ok()
        .and_then(|h| h.parse().ok())
        .unwrap_or(Ipv4Addr::LOCALHOST.into());
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
    Server::new(shopping_cart::handler())
        .serve_with_shutdown(listener, signal)
        .await
}
