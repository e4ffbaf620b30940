//! `GET /api/functions`: the function types seen, their endpoints and counters, and the
//! endpoints configured.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::Admin;
use crate::engine::EndpointView;

/// The protocol generation the engine speaks to every endpoint.
const GENERATION: &str = "3.x";

pub(super) fn routes() -> Router<Admin> {
    Router::new().route("/api/functions", get(list))
}

fn endpoint_json(endpoint: &EndpointView) -> Value {
    json!({
        "selector": endpoint.selector,
        "transport": endpoint.transport,
        "url": endpoint.url,
        "generation": GENERATION,
    })
}

fn counts(pairs: &[(String, u64)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(name, count)| (name.clone(), json!(count)))
        .collect()
}

async fn list(State(admin): State<Admin>) -> Json<Value> {
    let functions: Vec<Value> = admin
        .runtime
        .functions()
        .iter()
        .map(|function| {
            let stats = &function.stats;
            let failures: u64 = stats.failures.iter().map(|(_, count)| count).sum();
            json!({
                "type": function.function_type,
                "endpoint": function.endpoint.as_ref().map(endpoint_json),
                "batches": stats.batches,
                "invocations": stats.invocations,
                "incomplete": stats.incomplete,
                "failures": failures,
                "failures_by_kind": counts(&stats.failures),
                "attempt_failures": counts(&function.attempt_failures),
                "latency_ms": {
                    "p50": stats.latency.quantile_ms(0.5).map(bounded),
                    "p99": stats.latency.quantile_ms(0.99).map(bounded),
                },
                "sent_to": counts(&stats.sent_to),
            })
        })
        .collect();
    let endpoints: Vec<Value> = admin
        .runtime
        .endpoints()
        .iter()
        .map(endpoint_json)
        .collect();
    let gauges = admin.runtime.gauges();
    Json(json!({
        "functions": functions,
        "endpoints": endpoints,
        "totals": {
            "in_flight": gauges.in_flight,
            "backlog": gauges.backlog,
            "delayed": gauges.delayed,
            "addresses_with_state": gauges.addresses_with_state,
            "messages": gauges.messages,
            "parked": gauges.parked,
        },
    }))
}

/// A quantile past the last bucket bound has no finite value JSON could carry.
fn bounded(ms: f64) -> Value {
    serde_json::Number::from_f64(ms).map_or(json!("+Inf"), Value::Number)
}
