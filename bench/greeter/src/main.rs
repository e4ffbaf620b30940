//! `bench-greeter --port N`: the shared benchmark's `example/greeter` on 127.0.0.1:N, served
//! by the SDK's built-in HTTP server on one thread, like the other servers of the bench.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use statefun_sdk::Protocol;
use statefun_sdk::http::server::Server;

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench-greeter [--port N] [--protocol 3|2]   (default 8000 and 3, listens on 127.0.0.1)"
    );
    ExitCode::from(2)
}

fn parse_args() -> Result<(u16, Protocol), ExitCode> {
    let mut port = 8000;
    let mut protocol = Protocol::V3;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().and_then(|p| p.parse().ok()).ok_or_else(usage)?,
            "--protocol" => {
                protocol = match args.next().as_deref() {
                    Some("3") => Protocol::V3,
                    Some("2") => Protocol::V2,
                    _ => return Err(usage()),
                }
            }
            _ => return Err(usage()),
        }
    }
    Ok((port, protocol))
}

fn main() -> ExitCode {
    let (port, protocol) = match parse_args() {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    // One thread, as the bench gives every server one core.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(address).await?;
        eprintln!("bench-greeter listening on http://{address}/statefun");
        Server::new(bench_greeter::handler_for(protocol))
            .serve_with_shutdown(listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench-greeter: {error}");
            ExitCode::FAILURE
        }
    }
}
