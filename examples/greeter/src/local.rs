//! The greeter on the embedded reference runtime: functions and runtime in one process.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use statefun_runtime::config::{ConfigError, ModuleConfig};
use statefun_runtime::local::LocalStatefun;
use statefun_sdk::http::server::Server;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Where everything listens; port 0 picks a free port.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    /// The functions' HTTP endpoint.
    pub functions: u16,
    /// The playground ingress.
    pub ingress: u16,
    /// The playground egress.
    pub egress: u16,
}

impl Default for Ports {
    /// The playground's ports: functions 8000, ingress 8090, egress 8091.
    fn default() -> Self {
        Ports {
            functions: 8000,
            ingress: 8090,
            egress: 8091,
        }
    }
}

/// The module the embedded runtime runs: `module.local.yaml`, calling the functions on this host.
pub fn local_module(functions: SocketAddr, ports: Ports) -> Result<ModuleConfig, ConfigError> {
    local_module_with_budget(functions, ports, None)
}

/// As [`local_module`], with the endpoint's call budget (how long a failing call is
/// retried before its address is parked) set to `call_budget` if given.
pub fn local_module_with_budget(
    functions: SocketAddr,
    ports: Ports,
    call_budget: Option<Duration>,
) -> Result<ModuleConfig, ConfigError> {
    let transport = "type: io.statefun.transports.v1/async";
    let budget = call_budget.map_or(String::new(), |budget| {
        format!("\n    call: {}ms", budget.as_millis())
    });
    let yaml = include_str!("../module.local.yaml")
        .replace(transport, &format!("{transport}{budget}"))
        .replace(
            "http://functions:8000/statefun",
            &format!("http://{functions}/statefun"),
        )
        .replace("port: 8090", &format!("port: {}", ports.ingress))
        .replace("port: 8091", &format!("port: {}", ports.egress));
    ModuleConfig::parse(&yaml)
}

/// The functions' server and the local runtime, running.
pub struct Running {
    /// The local StateFun.
    pub statefun: LocalStatefun,
    /// Where the functions listen.
    pub functions: SocketAddr,
    server: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// The playground ingress address.
    pub fn ingress(&self) -> SocketAddr {
        self.statefun.ingress_addresses()[0]
    }

    /// Where the admin API and dashboard listen, if they were started.
    pub fn admin(&self) -> Option<SocketAddr> {
        self.statefun.admin_address()
    }

    /// The playground egress address.
    pub fn egress(&self) -> SocketAddr {
        self.statefun.egress_addresses()[0]
    }

    /// Stops the runtime, then the functions.
    pub async fn shutdown(self) {
        self.statefun.shutdown().await;
        self.server.abort();
    }
}

/// Starts the functions and the runtime on 127.0.0.1.
pub async fn start(ports: Ports) -> Result<Running, Box<dyn std::error::Error + Send + Sync>> {
    start_on(Ipv4Addr::LOCALHOST.into(), ports).await
}

/// Starts the functions and the runtime on `host` (`0.0.0.0` for every interface).
pub async fn start_on(
    host: IpAddr,
    ports: Ports,
) -> Result<Running, Box<dyn std::error::Error + Send + Sync>> {
    start_with_admin(host, ports, None).await
}

/// As [`start_on`], and serves the runtime's admin API, dashboard and metrics on `admin`
/// (`--admin`, by default `127.0.0.1:8081`) if given.
pub async fn start_with_admin(
    host: IpAddr,
    ports: Ports,
    admin: Option<SocketAddr>,
) -> Result<Running, Box<dyn std::error::Error + Send + Sync>> {
    start_with_budget(host, ports, admin, None).await
}

/// As [`start_with_admin`], with the functions' call budget set to `call_budget` if given
/// (see [`local_module_with_budget`]).
pub async fn start_with_budget(
    host: IpAddr,
    ports: Ports,
    admin: Option<SocketAddr>,
    call_budget: Option<Duration>,
) -> Result<Running, Box<dyn std::error::Error + Send + Sync>> {
    let listener = TcpListener::bind((host, ports.functions))
        .await
        .map_err(|error| format!("cannot listen on {host}:{}: {error}", ports.functions))?;
    let functions = listener.local_addr()?;
    let server = tokio::spawn(Server::new(crate::handler()).serve(listener));
    // Listening on every interface, the runtime still calls the functions over loopback.
    let reachable = if functions.ip().is_unspecified() {
        SocketAddr::new(Ipv4Addr::LOCALHOST.into(), functions.port())
    } else {
        functions
    };
    let module = local_module_with_budget(reachable, ports, call_budget)?;
    let mut statefun = LocalStatefun::start(&module, host).await?;
    if let Some(admin) = admin {
        statefun.serve_admin(admin).await?;
    }
    Ok(Running {
        statefun,
        functions,
        server,
    })
}
