//! The relay function behind the SDK's built-in server, on one thread:
//! `bench-relay --port N` on 127.0.0.1.

use clap::Parser;
use statefun_sdk::http::server::Server;

#[derive(Parser)]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long)]
    port: u16,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    Server::new(bench_runtime_http::handler())
        .serve(listener)
        .await
}
