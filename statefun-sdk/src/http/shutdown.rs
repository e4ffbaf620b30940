//! The usual reason to stop a server: Ctrl-C, or SIGTERM from a process manager.

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM: what Kubernetes, systemd and Docker
/// send before they kill a process. Pass it to
/// [`Server::serve_with_shutdown`](super::server::Server::serve_with_shutdown).
///
/// ```no_run
/// use statefun_sdk::http::server::{Server, shutdown_signal};
///
/// # async fn run(handler: statefun_sdk::RequestReplyHandler) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8000").await?;
/// Server::new(handler).serve_with_shutdown(listener, shutdown_signal()).await
/// # }
/// ```
///
/// # Panics
/// When the signal handlers cannot be installed (no Tokio runtime with signal support).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c()
            .await
            .expect("a Ctrl-C handler can be installed");
    };
    #[cfg(unix)]
    let terminate = async {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler can be installed")
            .recv()
            .await;
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}
