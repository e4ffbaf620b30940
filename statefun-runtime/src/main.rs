//! `statefun-runtime --module module.yaml`: a local StateFun without Flink.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use statefun_runtime::admin::DEFAULT_ADMIN_ADDRESS;
use statefun_runtime::config::ModuleConfig;
use statefun_runtime::local::{LocalOptions, LocalStatefun};
use statefun_runtime::store;
use statefun_runtime::{FailurePolicy, ParkedBacklogLimit};
use tracing_subscriber::EnvFilter;

/// Runs the functions of an Apache Flink StateFun module.yaml (3.x, or 2.x) without Flink:
/// calls its HTTP endpoints, serves the playground ingress and egress, and keeps state in
/// memory or, with --state-dir, on disk.
#[derive(Debug, Parser)]
#[command(name = "statefun-runtime", version, subcommand_negates_reqs = true)]
struct Args {
    /// The module file, as written for StateFun 3.x (kind/spec documents) or 2.x
    /// (`version: "1.0"`/`"2.0"`, whose functions speak the 2.x protocol).
    #[arg(long, value_name = "PATH", required = true)]
    module: Option<PathBuf>,

    /// The address the playground ingress and egress listen on: loopback unless told
    /// otherwise (a container needs 0.0.0.0).
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,

    /// Keep state, specs, queued and in-flight messages and delayed messages in this
    /// directory, and start from what it holds: a `kill -9` loses nothing acknowledged.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,

    /// What an address whose calls keep failing does: `park` holds its messages and goes
    /// on with the others; `stop` exits non-zero, as StateFun fails the job.
    #[arg(long, value_enum, default_value_t = OnFailure::Park)]
    on_failure: OnFailure,

    /// The wait before a parked address is retried automatically; it doubles after each
    /// failed retry up to --parked-retry-max (e.g. 30s, 5min).
    #[arg(long, value_name = "DURATION", default_value = "1min", value_parser = duration)]
    parked_retry: Duration,

    /// The longest wait between automatic retries of a parked address.
    #[arg(long, value_name = "DURATION", default_value = "30min", value_parser = duration)]
    parked_retry_max: Duration,

    /// At most this many messages wait for a parked address: past it, ingress messages to
    /// it get 503 with Retry-After (messages from functions are kept).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    parked_backlog_messages: usize,

    /// At most this many bytes of messages wait for a parked address (e.g. 64MiB, 500KiB).
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = size)]
    parked_backlog_bytes: usize,

    /// Where the admin API, dashboard and metrics listen [default: 127.0.0.1:8081; if that
    /// is taken, the runtime runs without them and says so].
    #[arg(long, value_name = "ADDR")]
    admin: Option<SocketAddr>,

    /// Do not serve the admin API, dashboard and metrics.
    #[arg(long, conflicts_with = "admin")]
    no_admin: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnFailure {
    Park,
    Stop,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect or bootstrap the stored state (the runtime must be stopped).
    State {
        #[command(subcommand)]
        action: StateAction,
    },
}

#[derive(Debug, Subcommand)]
enum StateAction {
    /// Writes every stored state value as JSON lines to standard output.
    Export {
        /// The runtime's state directory.
        #[arg(long, value_name = "DIR")]
        state_dir: PathBuf,
    },
    /// Reads JSON lines (as `state export` writes them) from a file or standard input
    /// into the store, all or nothing.
    Import {
        /// The runtime's state directory; created if missing.
        #[arg(long, value_name = "DIR")]
        state_dir: PathBuf,
        /// The file to read; standard input if absent.
        file: Option<PathBuf>,
    },
}

fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 30s or 5min"))?;
    let seconds = match unit.trim() {
        "ms" => return Ok(Duration::from_millis(number)),
        "s" | "" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        other => return Err(format!("unknown unit `{other}` (ms, s, min, h)")),
    };
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}

fn size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: usize = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 65536, 500KiB or 64MiB"))?;
    let unit = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "K" | "k" => 1 << 10,
        "MiB" | "M" => 1 << 20,
        "GiB" | "G" => 1 << 30,
        other => return Err(format!("unknown unit `{other}` (B, KiB, MiB, GiB)")),
    };
    number
        .checked_mul(unit)
        .ok_or_else(|| format!("`{text}` is too large"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    if let Some(Command::State { action }) = args.command {
        // Standard output carries the exported lines; the log goes to standard error.
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .init();
        return state(action);
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
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

fn state(action: StateAction) -> ExitCode {
    let result = match action {
        StateAction::Export { state_dir } => {
            let out = std::io::stdout().lock();
            store::export_json_lines(&state_dir, std::io::BufWriter::new(out))
                .map(|count| tracing::info!("exported {count} state value(s)"))
        }
        StateAction::Import { state_dir, file } => match file {
            Some(file) => match std::fs::File::open(&file) {
                Ok(input) => store::import_json_lines(&state_dir, std::io::BufReader::new(input)),
                Err(error) => {
                    tracing::error!("cannot read {}: {error}", file.display());
                    return ExitCode::from(2);
                }
            },
            None => store::import_json_lines(&state_dir, std::io::stdin().lock()),
        }
        .map(|count| tracing::info!("imported {count} state value(s)")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> ExitCode {
    // Before anything listens or is announced: a SIGTERM from then on is a clean stop.
    let signal = shutdown_signal();
    let Some(module_path) = &args.module else {
        tracing::error!("--module is required");
        return ExitCode::from(2);
    };
    let module = match ModuleConfig::load(module_path) {
        Ok(module) => module,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::from(2);
        }
    };
    let mut options = LocalOptions::default();
    options.state_dir = args.state_dir.clone();
    options.parked_backlog = ParkedBacklogLimit::DEFAULT
        .messages(args.parked_backlog_messages)
        .bytes(args.parked_backlog_bytes);
    options.on_failure = match args.on_failure {
        OnFailure::Stop => FailurePolicy::Stop,
        OnFailure::Park => FailurePolicy::Park {
            first_retry: args.parked_retry,
            max_retry: args.parked_retry_max,
        },
    };
    let mut local = match LocalStatefun::start_with(&module, args.host, options).await {
        Ok(local) => local,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::from(2);
        }
    };
    if !args.no_admin {
        let address = args.admin.unwrap_or(DEFAULT_ADMIN_ADDRESS);
        match local.serve_admin(address).await {
            Ok(address) => tracing::info!("dashboard and admin API on http://{address}/"),
            // The default port may be another program's (or another runtime's).
            Err(error) if args.admin.is_none() => tracing::warn!(
                "running without the dashboard and admin API: {error}; pick another address with --admin ADDR"
            ),
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
    match &args.state_dir {
        Some(dir) => tracing::info!("state kept in {}", dir.display()),
        None => tracing::info!("state kept in memory (--state-dir DIR keeps it on disk)"),
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

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_take_binary_units_and_name_what_is_wrong() {
        assert_eq!(size("65536"), Ok(65536));
        assert_eq!(size("500KiB"), Ok(500 << 10));
        assert_eq!(size("64MiB"), Ok(64 << 20));
        assert_eq!(size("1 GiB"), Ok(1 << 30));
        assert!(size("lots").unwrap_err().contains("not a size"));
        assert!(size("5MB").unwrap_err().contains("unknown unit `MB`"));
    }
}
