//! The command interpreter of upstream's smoke test, written with this project's SDK, and
//! an HTTP server for it that injects faults: 5xx answers, dropped connections and
//! answers slower than the runtime's call timeout. It can be killed and restarted on the
//! same port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use prost::Message as _;
use statefun_sdk::types::LongType;
use statefun_sdk::{
    CancellationToken, Context, EgressBuilder, Error, FunctionSpec, Message, MessageBuilder,
    RequestReplyHandler, TypeName, ValueSpec,
};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::commands::{Commands, Kind, Rng, SourceCommand};

pub const FUNCTION: TypeName = TypeName::from_static("statefun.smoke.e2e/command-interpreter-fn");
pub const SOURCE_COMMAND: &str = "statefun.smoke.e2e/source-command";
const COMMANDS: TypeName = TypeName::from_static("statefun.smoke.e2e/commands");
const PLAYGROUND_EGRESS: TypeName = TypeName::from_static("io.statefun.playground/egress");
const EGRESS_RECORD: TypeName = TypeName::from_static("io.statefun.playground/EgressRecord");
pub const VERIFICATION_TOPIC: &str = "verification";

/// Why the server gave no answer: hyper then closes the connection.
#[derive(Debug)]
struct NoAnswer(String);

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoAnswer {}

static STATE: ValueSpec<LongType> = ValueSpec::new("state", LongType);

async fn interpret(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let bytes = message.raw_value().cloned().unwrap_or_default();
    let commands = if message.typename() == SOURCE_COMMAND {
        SourceCommand::decode(bytes)
            .map_err(Error::msg)?
            .commands
            .unwrap_or_default()
    } else {
        Commands::decode(bytes).map_err(Error::msg)?
    };
    for command in commands.command {
        match command.command {
            Some(Kind::Increment(_)) => {
                let state = ctx.storage().get(&STATE)?.unwrap_or(0);
                ctx.storage().set(&STATE, state + 1)?;
            }
            Some(Kind::Send(send)) => {
                let commands = send.commands.unwrap_or_default().encode_to_vec();
                ctx.send(
                    MessageBuilder::to(FUNCTION, send.target.to_string()).raw(COMMANDS, commands),
                );
            }
            Some(Kind::SendAfter(send)) => {
                let message = MessageBuilder::to(FUNCTION, send.target.to_string())
                    .raw(COMMANDS, send.commands.unwrap_or_default().encode_to_vec());
                let delay = Duration::from_millis(1 + u64::from(send.target.unsigned_abs() % 50));
                if send.cancellation_token.is_empty() {
                    ctx.send_after(delay, message)?;
                } else {
                    // Long enough that only the cancellation can remove it.
                    let token = CancellationToken::new(send.cancellation_token)?;
                    ctx.send_after_with_token(Duration::from_secs(3600), &token, message)?;
                }
            }
            Some(Kind::CancelSendAfter(cancel)) => {
                ctx.cancel_delayed_message(&CancellationToken::new(cancel.cancellation_token)?);
            }
            Some(Kind::SendEgress(_)) => {
                let record = r#"{"topic":"discard","payload":"x"}"#;
                ctx.send_egress(EgressBuilder::to(PLAYGROUND_EGRESS).raw(EGRESS_RECORD, record));
            }
            Some(Kind::Verify(verify)) => {
                let actual = ctx.storage().get(&STATE)?.unwrap_or(0);
                let record = format!(
                    r#"{{"topic":"{VERIFICATION_TOPIC}","payload":"{} {} {actual}"}}"#,
                    ctx.address().id(),
                    verify.expected
                );
                ctx.send_egress(EgressBuilder::to(PLAYGROUND_EGRESS).raw(EGRESS_RECORD, record));
            }
            None => {}
        }
    }
    Ok(())
}

fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(FunctionSpec::new(FUNCTION, interpret).with_state(&STATE))
        .build()
        .expect("one function type")
}

/// How often each fault happens, per request, in parts per thousand.
#[derive(Clone, Copy)]
pub struct Faults {
    pub server_error: u64,
    pub dropped: u64,
    pub slow: u64,
    /// How long a slow answer takes: more than the runtime's call timeout.
    pub slow_by: Duration,
}

/// The interpreter served over HTTP/1.1 with faults, until killed.
pub struct FunctionServer {
    pub address: SocketAddr,
    tasks: JoinSet<()>,
    hold: Arc<Hold>,
}

/// While armed, every answer is computed and then held, so that the runtime can be killed
/// with its calls in flight: deterministically, not by luck of timing.
struct Hold {
    armed: AtomicBool,
    held: AtomicUsize,
    released: tokio::sync::watch::Sender<bool>,
}

impl Hold {
    fn new() -> Self {
        Self {
            armed: AtomicBool::new(false),
            held: AtomicUsize::new(0),
            released: tokio::sync::watch::channel(true).0,
        }
    }

    /// Holds `answer` until released, if armed.
    async fn pass<T>(&self, answer: T) -> T {
        if self.armed.load(Ordering::SeqCst) {
            let mut released = self.released.subscribe();
            self.held.fetch_add(1, Ordering::SeqCst);
            let _ = released.wait_for(|released| *released).await;
        }
        answer
    }
}

impl FunctionServer {
    /// Serves on `address` (port 0 picks one).
    pub async fn start(address: SocketAddr, faults: Faults, seed: u64) -> Self {
        let listener = bind(address).await;
        let address = listener.local_addr().unwrap();
        let handler = Arc::new(handler());
        let rng = Arc::new(AtomicU64::new(seed));
        let hold = Arc::new(Hold::new());
        let mut tasks = JoinSet::new();
        tasks.spawn(accept(listener, handler, faults, rng, Arc::clone(&hold)));
        Self {
            address,
            tasks,
            hold,
        }
    }

    /// From now on, holds every answer (with no fault injected) until [`release`](Self::release).
    pub fn hold_answers(&self) {
        self.hold.held.store(0, Ordering::SeqCst);
        self.hold.released.send_replace(false);
        self.hold.armed.store(true, Ordering::SeqCst);
    }

    /// How many answers are held.
    pub fn held(&self) -> usize {
        self.hold.held.load(Ordering::SeqCst)
    }

    /// Lets the held answers go, and answers at once again.
    pub fn release(&self) {
        self.hold.armed.store(false, Ordering::SeqCst);
        self.hold.released.send_replace(true);
    }

    /// Kills the server: the listener and every open connection go at once.
    pub async fn kill(mut self) {
        self.tasks.shutdown().await;
    }
}

async fn bind(address: SocketAddr) -> TcpListener {
    // A port just released may take a moment to be free again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match TcpListener::bind(address).await {
            Ok(listener) => return listener,
            Err(error) if tokio::time::Instant::now() < deadline => {
                tracing::debug!("rebinding {address}: {error}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(error) => panic!("cannot bind {address}: {error}"),
        }
    }
}

async fn accept(
    listener: TcpListener,
    handler: Arc<RequestReplyHandler>,
    faults: Faults,
    rng: Arc<AtomicU64>,
    hold: Arc<Hold>,
) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let handler = Arc::clone(&handler);
        let rng = Arc::clone(&rng);
        let hold = Arc::clone(&hold);
        connections.spawn(async move {
            let service =
                hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let handler = Arc::clone(&handler);
                    let hold = Arc::clone(&hold);
                    let draw = Rng::new(rng.fetch_add(1, Ordering::Relaxed)).below(1000);
                    async move {
                        let body = match request.into_body().collect().await {
                            Ok(body) => body.to_bytes(),
                            Err(error) => return Err(NoAnswer(error.to_string())),
                        };
                        if hold.armed.load(Ordering::SeqCst) {
                            let answer = match handler.handle(body).await {
                                Ok(answer_body) => answer(200, answer_body),
                                Err(error) => answer(500, Bytes::from(error.to_string())),
                            };
                            return Ok(hold.pass(answer).await);
                        }
                        let mut threshold = faults.server_error;
                        if draw < threshold {
                            return Ok(answer(500, Bytes::from_static(b"injected fault")));
                        }
                        threshold += faults.dropped;
                        if draw < threshold {
                            return Err(NoAnswer("injected: connection dropped".into()));
                        }
                        threshold += faults.slow;
                        if draw < threshold {
                            tokio::time::sleep(faults.slow_by).await;
                        }
                        Ok::<_, NoAnswer>(match handler.handle(body).await {
                            Ok(answer_body) => answer(200, answer_body),
                            Err(error) => answer(500, Bytes::from(error.to_string())),
                        })
                    }
                });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
        // Finished connections are reaped as they go.
        while connections.try_join_next().is_some() {}
    }
}

fn answer(status: u16, body: Bytes) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/octet-stream")
        .body(Full::new(body))
        .unwrap()
}
