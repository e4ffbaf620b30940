//! The Lambda function's entry point: `cargo lambda build --release` makes it a Lambda
//! `bootstrap`. Outside Lambda it exits with an error, as there are no events to answer.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    statefun_sdk::http::lambda::run(lambda_greeter::handler()).await
}
