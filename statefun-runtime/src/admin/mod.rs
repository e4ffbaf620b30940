//! The runtime's admin HTTP API, on 127.0.0.1 unless told otherwise.

mod parked;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Runtime;

/// Serves the admin API on `listener` until `stop` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    runtime: Runtime,
    mut stop: watch::Receiver<bool>,
) {
    let router = parked::routes(runtime);
    let shutdown = async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    if let Err(error) = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::error!("the admin API stopped: {error}");
    }
}
