//! The usual reason to stop a server: Ctrl-C, or SIGTERM from a process manager.

use std::future::Future;

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM: what Kubernetes, systemd and Docker
/// send before they kill a process. Pass it to
/// [`Server::serve_with_shutdown`](super::server::Server::serve_with_shutdown), or to
/// axum's `with_graceful_shutdown`.
///
/// The handlers are installed when this function is called, not when the future is first
/// polled: call it before you announce that the server is ready, so that a SIGTERM sent
/// right after the announcement is not the default action (the process killed).
///
/// ```no_run
/// use statefun_sdk::http::shutdown_signal;
/// # #[cfg(feature = "server")]
/// use statefun_sdk::http::server::Server;
///
/// # #[cfg(feature = "server")]
/// # async fn run(handler: statefun_sdk::RequestReplyHandler) -> std::io::Result<()> {
/// let signal = shutdown_signal(); // handlers installed from here on
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
/// println!("listening on {}", listener.local_addr()?);
/// Server::new(handler).serve_with_shutdown(listener, signal).await
/// # }
/// ```
///
/// # Panics
/// When the signal handlers cannot be installed (called outside a Tokio runtime, or in
/// one without its I/O driver).
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt =
            signal(SignalKind::interrupt()).expect("a SIGINT handler can be installed");
        let mut terminate =
            signal(SignalKind::terminate()).expect("a SIGTERM handler can be installed");
        async move {
            tokio::select! {
                _ = interrupt.recv() => tracing::info!("Ctrl-C: shutting down"),
                _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let mut ctrl_c =
            tokio::signal::windows::ctrl_c().expect("a Ctrl-C handler can be installed");
        async move {
            ctrl_c.recv().await;
            tracing::info!("Ctrl-C: shutting down");
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Sent before the future is ever polled, the signal must still be seen: without the
    /// handler installed, SIGTERM would end the test process.
    #[tokio::test(flavor = "current_thread")]
    async fn a_sigterm_before_the_first_poll_is_caught() {
        let signal = shutdown_signal();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        tokio::time::timeout(std::time::Duration::from_secs(60), signal)
            .await
            .expect("the signal completes the future");
    }
}
