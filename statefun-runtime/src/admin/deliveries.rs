//! `GET /api/deliveries?address=…&limit=…`: the most recent deliveries, newest first.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use statefun_protocol::Address;

use super::Admin;
use super::addresses::rfc3339;
use super::error::{ApiError, limit};

const DEFAULT_LIMIT: usize = 50;

pub(super) fn routes() -> Router<Admin> {
    Router::new().route("/api/deliveries", get(list))
}

#[derive(Debug, Deserialize)]
struct DeliveriesQuery {
    address: Option<String>,
    limit: Option<usize>,
}

async fn list(
    State(admin): State<Admin>,
    query: Result<Query<DeliveriesQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let limit = limit(query.limit, DEFAULT_LIMIT, crate::engine::DELIVERY_RING)?;
    let address = match query.address.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => Some(
            text.parse::<Address>()
                .map_err(|error| ApiError::bad_request(format!("address: {error}")))?,
        ),
    };
    let deliveries: Vec<Value> = admin
        .runtime
        .deliveries(address.as_ref(), limit)
        .into_iter()
        .map(|delivery| {
            let first = delivery.invocations.first();
            json!({
                "seq": delivery.seq,
                "at": rfc3339(delivery.at),
                "to": delivery.to.to_string(),
                "from": first.and_then(|(caller, _)| caller.as_ref()).map(ToString::to_string),
                "typename": first.map(|(_, typename)| typename),
                "batch_size": delivery.batch_size,
                "invocations": delivery.invocations.iter().map(|(caller, typename)| json!({
                    "from": caller.as_ref().map(ToString::to_string),
                    "typename": typename,
                })).collect::<Vec<_>>(),
                "outcome": delivery.outcome.0,
                "error": delivery.outcome.1,
                "latency_ms": delivery.latency.as_secs_f64() * 1000.0,
            })
        })
        .collect();
    Ok(Json(json!({ "deliveries": deliveries })))
}
