//! Serves the tour's functions inside an axum app: the functions at `/statefun`, next to
//! the app's own `/health`. Point a StateFun endpoint at `http://<host>:8000/statefun`.

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

    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".into());
    let listener = tokio::net::TcpListener::bind(format!("0.0.0.0:{port}")).await?;
    println!(
        "showcase functions on http://{}/statefun",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
