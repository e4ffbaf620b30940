//! Serves the tour's functions inside an axum app: the functions at `/statefun`, next to
//! the app's own `/health`, on 127.0.0.1 (or `HOST`; a container needs `HOST=0.0.0.0`) port
//! 8000 (or `PORT`). Point a StateFun endpoint at `http://<host>:8000/statefun`.

use axum::Router;
use axum::routing::get;
use showcase::async_work::QuoteService;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let quotes = QuoteService::default();
    quotes.set_price("coffee", 2.5).await;
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route_service("/statefun", showcase::handler(quotes).into_service());

    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".into());
    // Before the address is announced: a SIGTERM from then on stops the server cleanly.
    let signal = statefun_sdk::http::shutdown_signal();
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}"))
        .await
        .map_err(|error| {
            std::io::Error::new(
                error.kind(),
                format!("cannot listen on {host}:{port}: {error}"),
            )
        })?;
    println!(
        "showcase functions on http://{}/statefun",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(signal)
        .await
}
