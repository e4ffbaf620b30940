//! The admin API for parked addresses (JSON):
//!
//! - `GET /api/parked`: every parked address, the longest parked first, and how many
//!   addresses are active (a batch in flight or messages waiting);
//! - `POST /api/parked/{namespace}/{type}/{id}/retry`: sends its failed batch again;
//! - `POST /api/parked/{namespace}/{type}/{id}/skip`: drops its head message.
//!
//! Retry and skip answer 404 for an address that is not parked.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};
use statefun_protocol::Address;

use super::addresses::rfc3339;
use crate::{ParkedAddress, Runtime};

/// The routes of the parked-address API.
pub(crate) fn routes(runtime: Runtime) -> Router {
    Router::new()
        .route("/api/parked", get(list))
        .route("/api/parked/{namespace}/{type}/{id}/retry", post(retry))
        .route("/api/parked/{namespace}/{type}/{id}/skip", post(skip))
        .with_state(runtime)
}

type AddressPath = Path<(String, String, String)>;

async fn list(State(runtime): State<Runtime>) -> Json<Value> {
    let parked: Vec<Value> = runtime.parked().iter().map(parked_json).collect();
    Json(json!({
        "parked": parked,
        "active": runtime.active_addresses(),
        "delayed": runtime.pending_delayed_messages(),
    }))
}

async fn retry(
    State(runtime): State<Runtime>,
    Path((namespace, r#type, id)): AddressPath,
) -> (StatusCode, Json<Value>) {
    let address = Address::new(namespace, r#type, id);
    if runtime.retry_parked(&address) {
        (
            StatusCode::OK,
            Json(json!({ "retried": address_json(&address) })),
        )
    } else {
        not_parked(&address)
    }
}

async fn skip(
    State(runtime): State<Runtime>,
    Path((namespace, r#type, id)): AddressPath,
) -> (StatusCode, Json<Value>) {
    let address = Address::new(namespace, r#type, id);
    match runtime.skip_parked(&address) {
        Some(dropped) => {
            let argument = dropped.argument.unwrap_or_default();
            (
                StatusCode::OK,
                Json(json!({
                    "skipped": address_json(&address),
                    "message": {
                        "caller": dropped.caller.as_ref().map(address_json),
                        "typename": argument.typename,
                        "bytes": argument.value.len(),
                    },
                })),
            )
        }
        None => not_parked(&address),
    }
}

fn not_parked(address: &Address) -> (StatusCode, Json<Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": format!("{address} is not parked") })),
    )
}

fn address_json(address: &Address) -> Value {
    json!({ "namespace": address.namespace, "type": address.r#type, "id": address.id })
}

/// A parked address, as the list and an address's view show it: times as RFC 3339 (and the
/// parking time as Unix milliseconds too).
pub(super) fn parked_json(parked: &ParkedAddress) -> Value {
    let address = &parked.address;
    json!({
        "address": address_json(address),
        "path": format!("{}/{}/{}", address.namespace, address.r#type, address.id),
        "error": parked.error.to_string(),
        "error_kind": format!("{:?}", parked.error.kind()),
        "endpoint": parked.endpoint,
        "since": rfc3339(parked.since),
        "since_unix_ms": parked
            .since
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis() as u64),
        "batch": parked.batch,
        "messages": parked.messages,
        "retries": parked.retries,
        "next_retry": rfc3339(SystemTime::now() + parked.next_retry_in),
        "next_retry_in_ms": parked.next_retry_in.as_millis() as u64,
    })
}
