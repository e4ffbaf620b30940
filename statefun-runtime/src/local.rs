//! A local StateFun without Flink: the runtime, its HTTP endpoints and the playground's
//! ingress and egress servers, all from one module.yaml.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{ConfigError, EgressConfig, IngressConfig, ModuleConfig, bind_error};
use crate::egress::LoggedEgress;
use crate::playground::{
    EGRESS_ID, Limits, MessageLimits, PlaygroundEgress, PlaygroundEgressV2, QueuedEgress,
    egress_service, ingress_service, serve, topic_and_payload, topic_and_payload_v2,
};
use crate::store::{Store, StoreError};
use crate::{FailurePolicy, ParkedBacklogLimit, Runtime, RuntimeBuilder, admin};

/// How a [`LocalStatefun`] runs, beyond its module.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LocalOptions {
    /// Where to keep state and every acknowledged message; in memory if `None`.
    pub state_dir: Option<PathBuf>,
    /// What a failing address does: parked by default, so that one bad message does not
    /// stop a runtime that runs for days.
    pub on_failure: FailurePolicy,
    /// Where the admin API listens (parked addresses); not served if `None`.
    pub admin: Option<SocketAddr>,
    /// How much may wait for a parked address before the ingress refuses more for it.
    pub parked_backlog: ParkedBacklogLimit,
}

impl Default for LocalOptions {
    /// In memory, parking failing addresses, no admin API.
    fn default() -> Self {
        Self {
            state_dir: None,
            on_failure: FailurePolicy::PARK,
            admin: None,
            parked_backlog: ParkedBacklogLimit::DEFAULT,
        }
    }
}

/// Why a [`LocalStatefun`] could not start.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StartError(StartRepr);

/// The category of a [`StartError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartErrorKind {
    /// The module cannot be run, or a port cannot be bound.
    Config,
    /// The state directory cannot be used.
    Store,
}

#[derive(Debug, thiserror::Error)]
enum StartRepr {
    #[error(transparent)]
    Config(ConfigError),
    #[error(transparent)]
    Store(StoreError),
}

impl StartError {
    /// The category of this error.
    pub fn kind(&self) -> StartErrorKind {
        match &self.0 {
            StartRepr::Config(_) => StartErrorKind::Config,
            StartRepr::Store(_) => StartErrorKind::Store,
        }
    }
}

impl From<ConfigError> for StartError {
    fn from(error: ConfigError) -> Self {
        Self(StartRepr::Config(error))
    }
}

impl From<StoreError> for StartError {
    fn from(error: StoreError) -> Self {
        Self(StartRepr::Store(error))
    }
}

/// A running local StateFun: what the `statefun-runtime` binary starts.
///
/// ```no_run
/// use std::net::Ipv4Addr;
/// use statefun_runtime::config::ModuleConfig;
/// use statefun_runtime::local::LocalStatefun;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let module = ModuleConfig::load("module.yaml")?;
/// let local = LocalStatefun::start(&module, Ipv4Addr::LOCALHOST.into()).await?;
/// println!("ingress on {:?}", local.ingress_addresses());
/// let failure = local.runtime().failed().await;
/// eprintln!("{failure}");
/// local.shutdown().await;
/// # Ok(()) }
/// ```
pub struct LocalStatefun {
    runtime: Runtime,
    ingress: Vec<SocketAddr>,
    egress: Vec<SocketAddr>,
    stop: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
    playground_egress: Option<PlaygroundEgress>,
    admin: Option<SocketAddr>,
}

impl LocalStatefun {
    /// Starts everything `module` declares, listening on `host` (port 0 picks a free port),
    /// in memory and parking failing addresses. Kafka and Kinesis ingresses are not run;
    /// each is logged as a warning.
    pub async fn start(module: &ModuleConfig, host: IpAddr) -> Result<Self, ConfigError> {
        Self::start_on(module, host, LocalOptions::default(), None).await
    }

    /// Starts everything `module` declares, as `options` say.
    pub async fn start_with(
        module: &ModuleConfig,
        host: IpAddr,
        options: LocalOptions,
    ) -> Result<Self, StartError> {
        let store = match &options.state_dir {
            Some(dir) => Some(Store::open(dir)?),
            None => None,
        };
        Ok(Self::start_on(module, host, options, store).await?)
    }

    async fn start_on(
        module: &ModuleConfig,
        host: IpAddr,
        options: LocalOptions,
        store: Option<Store>,
    ) -> Result<Self, ConfigError> {
        let mut builder = RuntimeBuilder::default()
            .on_failure(options.on_failure)
            .parked_backlog_limit(options.parked_backlog);
        if let Some(store) = store {
            builder = builder.store(store);
        }
        for endpoint in &module.endpoints {
            builder = builder.endpoint(endpoint.functions.clone(), endpoint.endpoint()?);
        }
        let (stop, stopped) = watch::channel(false);
        let mut servers = Vec::new();
        let mut egress = Vec::new();
        let mut playground_egress = None;
        for config in &module.egresses {
            match config {
                EgressConfig::Playground {
                    port,
                    topics,
                    max_bytes_per_topic,
                } => {
                    if playground_egress.is_some() {
                        return Err(ConfigError::invalid(
                            "more than one io.statefun.playground.v1/egress: they would share the egress id io.statefun.playground/egress",
                        ));
                    }
                    let sink = PlaygroundEgress::new(topics.iter().cloned())
                        .max_bytes_per_topic(*max_bytes_per_topic);
                    playground_egress = Some(sink.clone());
                    let (listener, address) = listen(host, *port).await?;
                    egress.push(address);
                    servers.push(tokio::spawn(serve(
                        listener,
                        egress_service(sink.clone()),
                        stopped.clone(),
                        Limits::default(),
                    )));
                    let queued = QueuedEgress {
                        queues: sink.clone(),
                        read: topic_and_payload,
                    };
                    builder = builder.queued_egress(EGRESS_ID, sink, queued);
                }
                EgressConfig::PlaygroundV2 { id, port, topics } => {
                    let sink = PlaygroundEgressV2::new(topics.iter().cloned());
                    let (listener, address) = listen(host, *port).await?;
                    egress.push(address);
                    servers.push(tokio::spawn(serve(
                        listener,
                        egress_service(sink.queues().clone()),
                        stopped.clone(),
                        Limits::default(),
                    )));
                    let queued = QueuedEgress {
                        queues: sink.queues().clone(),
                        read: topic_and_payload_v2,
                    };
                    builder = builder.queued_egress(id.clone(), sink, queued);
                }
                EgressConfig::Logged { id, format } => {
                    builder = builder.egress(id.clone(), LoggedEgress::new(id.clone(), *format));
                }
            }
        }
        let runtime = builder.build();
        let limits = MessageLimits::new(
            module
                .endpoints
                .iter()
                .map(|endpoint| (endpoint.functions.clone(), endpoint.http.payload_max_bytes)),
        );
        let mut ingress = Vec::new();
        for config in &module.ingresses {
            match config {
                IngressConfig::Playground { port } => {
                    let (listener, address) = listen(host, *port).await?;
                    ingress.push(address);
                    servers.push(tokio::spawn(serve(
                        listener,
                        ingress_service(runtime.clone(), limits.clone(), Limits::default()),
                        stopped.clone(),
                        Limits::default(),
                    )));
                }
                IngressConfig::NotRun { kind, id } => tracing::warn!(
                    "ingress `{id}` ({kind}) is not run: this runtime does not connect to Kafka or Kinesis; send its messages through an io.statefun.playground.v1/ingress instead"
                ),
            }
        }
        let mut local = Self {
            runtime,
            ingress,
            egress,
            stop,
            servers,
            playground_egress,
            admin: None,
        };
        if let Some(address) = options.admin {
            local.serve_admin(address).await?;
        }
        Ok(local)
    }

    /// The runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Where the playground ingresses listen, in module order.
    pub fn ingress_addresses(&self) -> &[SocketAddr] {
        &self.ingress
    }

    /// Where the playground egresses listen, in module order.
    pub fn egress_addresses(&self) -> &[SocketAddr] {
        &self.egress
    }

    /// Serves the admin API, dashboard and metrics ([`crate::admin`]) on `address` (port 0
    /// picks a free port) until shutdown, and returns where it listens.
    pub async fn serve_admin(&mut self, address: SocketAddr) -> Result<SocketAddr, ConfigError> {
        let (listener, local) = listen(address.ip(), address.port()).await?;
        let router = admin::router(self.runtime.clone(), self.playground_egress.clone());
        let mut stopped = self.stop.subscribe();
        self.servers.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            if let Err(error) = admin::serve(listener, router, shutdown).await {
                tracing::error!("the admin server stopped: {error}");
            }
        }));
        self.admin = Some(local);
        Ok(local)
    }

    /// Where the admin server listens, if [`serve_admin`](Self::serve_admin) started it.
    pub fn admin_address(&self) -> Option<SocketAddr> {
        self.admin
    }

    /// Stops accepting connections and waits for open ones to finish (a few seconds at most).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for server in self.servers {
            let _ = server.await;
        }
    }
}

/// Listens on `host:port`, and says where: port 0 picks a free port.
async fn listen(host: IpAddr, port: u16) -> Result<(TcpListener, SocketAddr), ConfigError> {
    let listener = TcpListener::bind((host, port))
        .await
        .map_err(|source| bind_error(host, port, source))?;
    let address = listener
        .local_addr()
        .map_err(|source| bind_error(host, port, source))?;
    Ok((listener, address))
}
