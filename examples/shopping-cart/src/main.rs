//! Serves the functions on port 8000 (or `PORT`) at `/statefun`, for the local runtime
//! (`module.local.yaml`) or a StateFun cluster (`module.yaml`). Stops on Ctrl-C or SIGTERM,
//! letting requests in flight finish.

use std::net::Ipv4Addr;

use statefun_sdk::http::server::{Server, shutdown_signal};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8000);
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).await?;
    println!(
        "shop functions on http://{}/statefun",
        listener.local_addr()?
    );
    Server::new(shopping_cart::handler())
        .serve_with_shutdown(listener, shutdown_signal())
        .await
}
