//! A local StateFun without Flink: the runtime, its HTTP endpoints and the playground's
//! ingress and egress servers, all from one module.yaml.

use std::net::{IpAddr, SocketAddr};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{ConfigError, EgressConfig, IngressConfig, ModuleConfig, bind_error};
use crate::egress::LoggedEgress;
use crate::playground::{
    EGRESS_ID, Limits, MessageLimits, PlaygroundEgress, egress_service, ingress_service, serve,
};
use crate::{Runtime, RuntimeBuilder, admin};

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
    /// Starts everything `module` declares, listening on `host` (port 0 picks a free port).
    /// Kafka and Kinesis ingresses are not run; each is logged as a warning.
    pub async fn start(module: &ModuleConfig, host: IpAddr) -> Result<Self, ConfigError> {
        let mut builder = RuntimeBuilder::default();
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
                    let listener = bind(host, *port).await?;
                    egress.push(
                        listener
                            .local_addr()
                            .map_err(|source| bind_error(host, *port, source))?,
                    );
                    servers.push(tokio::spawn(serve(
                        listener,
                        egress_service(sink.clone()),
                        stopped.clone(),
                        Limits::default(),
                    )));
                    builder = builder.egress(EGRESS_ID, sink);
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
                    let listener = bind(host, *port).await?;
                    ingress.push(
                        listener
                            .local_addr()
                            .map_err(|source| bind_error(host, *port, source))?,
                    );
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
        Ok(Self {
            runtime,
            ingress,
            egress,
            stop,
            servers,
            playground_egress,
            admin: None,
        })
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
        let listener = bind(address.ip(), address.port()).await?;
        let local = listener
            .local_addr()
            .map_err(|source| bind_error(address.ip(), address.port(), source))?;
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

async fn bind(host: IpAddr, port: u16) -> Result<TcpListener, ConfigError> {
    TcpListener::bind((host, port))
        .await
        .map_err(|source| bind_error(host, port, source))
}
