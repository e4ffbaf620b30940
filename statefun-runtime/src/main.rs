//! `statefun-runtime --module module.yaml`: a local StateFun without Flink.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use statefun_runtime::admin::DEFAULT_ADMIN_ADDRESS;
use statefun_runtime::config::ModuleConfig;
use statefun_runtime::local::LocalStatefun;
use tracing_subscriber::EnvFilter;

/// Runs the functions of an Apache Flink StateFun 3.x module.yaml without Flink: calls
/// its HTTP endpoints, serves the playground ingress and egress, and keeps state in memory.
#[derive(Debug, Parser)]
#[command(name = "statefun-runtime", version)]
struct Args {
    /// The module file, as written for StateFun 3.x (kind/spec documents).
    #[arg(long, value_name = "PATH")]
    module: PathBuf,

    /// The address the playground ingress and egress listen on: loopback unless told
    /// otherwise (a container needs 0.0.0.0).
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,

    /// Where the admin API, dashboard and metrics listen.
    #[arg(long, value_name = "ADDR", default_value_t = DEFAULT_ADMIN_ADDRESS)]
    admin: SocketAddr,

    /// Do not serve the admin API, dashboard and metrics.
    #[arg(long, conflicts_with = "admin")]
    no_admin: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!("cannot start the Tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    // Before anything listens or is announced: a SIGTERM from then on is a clean stop.
    let signal = shutdown_signal();
    let module = match ModuleConfig::load(&args.module) {
        Ok(module) => module,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::from(2);
        }
    };
    let mut local = match LocalStatefun::start(&module, args.host).await {
        Ok(local) => local,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::from(2);
        }
    };
    if !args.no_admin {
        match local.serve_admin(args.admin).await {
            Ok(address) => tracing::info!("dashboard and admin API on http://{address}/"),
            Err(error) => {
                tracing::error!("{error}");
                local.shutdown().await;
                return ExitCode::from(2);
            }
        }
    }
    for endpoint in &module.endpoints {
        tracing::info!(functions = %endpoint.functions, url = %endpoint.url_path_template, "endpoint");
    }
    for address in local.ingress_addresses() {
        tracing::info!("playground ingress listening on {address}");
    }
    for address in local.egress_addresses() {
        tracing::info!("playground egress listening on {address}");
    }
    let code = tokio::select! {
        failure = local.runtime().failed() => {
            tracing::error!("the runtime stopped (StateFun would fail the job): {failure}");
            ExitCode::FAILURE
        }
        signal = signal => {
            tracing::info!("{signal}: shutting down");
            ExitCode::SUCCESS
        }
    };
    local.shutdown().await;
    tracing::info!("stopped");
    code
}

/// Waits for Ctrl-C or, on Unix, SIGTERM, and names it. The handlers are installed when
/// this is called, not when the future is first polled.
fn shutdown_signal() -> impl Future<Output = &'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => tokio::select! {
                    _ = interrupt.recv() => "Ctrl-C",
                    _ = terminate.recv() => "SIGTERM",
                },
                (Err(error), _) | (_, Err(error)) => {
                    tracing::warn!("cannot listen for SIGINT and SIGTERM: {error}");
                    std::future::pending().await
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let ctrl_c = tokio::signal::windows::ctrl_c();
        async move {
            match ctrl_c {
                Ok(mut ctrl_c) => {
                    ctrl_c.recv().await;
                }
                Err(error) => {
                    tracing::warn!("cannot listen for Ctrl-C: {error}");
                    std::future::pending::<()>().await;
                }
            }
            "Ctrl-C"
        }
    }
}
