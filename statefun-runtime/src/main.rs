//! `statefun-runtime --module module.yaml`: a local StateFun without Flink.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use statefun_runtime::config::ModuleConfig;
use statefun_runtime::local::LocalStatefun;
use tracing_subscriber::EnvFilter;

/// Runs the functions of an Apache Flink StateFun module.yaml without Flink: calls its
/// HTTP endpoints, serves the playground ingress and egress, and keeps state in memory.
#[derive(Debug, Parser)]
#[command(name = "statefun-runtime", version)]
struct Args {
    /// The module file, as written for StateFun 3.x (kind/spec documents) or 2.x
    /// (`version: "1.0"`/`"2.0"`, whose functions speak the 2.x protocol).
    #[arg(long, value_name = "PATH")]
    module: PathBuf,

    /// The address the playground ingress and egress listen on.
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::UNSPECIFIED))]
    host: IpAddr,
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
    let module = match ModuleConfig::load(&args.module) {
        Ok(module) => module,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::from(2);
        }
    };
    let local = match LocalStatefun::start(&module, args.host).await {
        Ok(local) => local,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::from(2);
        }
    };
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
        signal = shutdown_signal() => {
            tracing::info!("{signal}: shutting down");
            ExitCode::SUCCESS
        }
    };
    local.shutdown().await;
    tracing::info!("stopped");
    code
}

/// Waits for Ctrl-C or, on Unix, SIGTERM, and names it.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = terminate.recv() => "SIGTERM",
            },
            Err(error) => {
                tracing::warn!("cannot listen for SIGTERM: {error}");
                let _ = tokio::signal::ctrl_c().await;
                "Ctrl-C"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
