//! `greeter-v2 [--port N]`: serves the 2.x greeter's functions on 127.0.0.1:N (default
//! 8000) at any path, for StateFun 2.x or `statefun-runtime --module module.yaml`.

use std::net::{Ipv4Addr, SocketAddr};

use statefun_sdk::http::server::Server;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let mut args = std::env::args().skip(1);
    let mut port = 8000;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().and_then(|p| p.parse().ok())) {
            ("--port", Some(p)) => port = p,
            _ => return Err("usage: greeter-v2 [--port N]".into()),
        }
    }
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!("serving example/greeter and example/email_sender on http://{address}/statefun");
    Server::new(greeter_v2::handler())
        .serve_with_shutdown(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
