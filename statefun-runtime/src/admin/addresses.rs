//! `GET /api/addresses`: addresses holding something, paged; `GET /api/addresses/{…}`: one.

use std::time::SystemTime;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use statefun_protocol::Address;

use super::Admin;
use super::error::{ApiError, limit};
use super::parked::parked_json;
use super::value::typed_value_json;

/// A page holds this many addresses unless asked for fewer or more.
const DEFAULT_PAGE: usize = 100;
/// And at most this many.
const MAX_PAGE: usize = 1000;
/// The longest `prefix`, or `after`, accepted.
const MAX_FILTER_LEN: usize = 4096;

pub(super) fn routes() -> Router<Admin> {
    Router::new()
        .route("/api/addresses", get(list))
        .route("/api/addresses/{namespace}/{type}/{*id}", get(show))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    r#type: Option<String>,
    prefix: Option<String>,
    after: Option<String>,
    limit: Option<usize>,
}

async fn list(
    State(admin): State<Admin>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let limit = limit(query.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let function_type = match query.r#type.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => match text.split_once('/') {
            Some((namespace, name))
                if !namespace.is_empty() && !name.is_empty() && !name.contains('/') =>
            {
                Some((namespace, name))
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "type `{text}` is not `namespace/name`"
                )));
            }
        },
    };
    let prefix = query.prefix.as_deref().unwrap_or_default();
    for (name, value) in [
        ("prefix", prefix),
        ("after", query.after.as_deref().unwrap_or_default()),
    ] {
        if value.len() > MAX_FILTER_LEN {
            return Err(ApiError::bad_request(format!(
                "{name} is longer than {MAX_FILTER_LEN} bytes"
            )));
        }
    }
    let after = match query.after.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => Some(
            text.parse::<Address>()
                .map_err(|error| ApiError::bad_request(format!("after: {error}")))?,
        ),
    };
    let (page, more) = admin
        .runtime
        .addresses(function_type, prefix, after.as_ref(), limit);
    let next = more.then(|| page.last().map(ToString::to_string)).flatten();
    Ok(Json(json!({
        "addresses": page.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "next": next,
    })))
}

async fn show(
    State(admin): State<Admin>,
    Path((namespace, r#type, id)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let address = Address::new(namespace, r#type, id);
    let view = admin
        .runtime
        .address_view(&address)
        .ok_or_else(|| ApiError::not_found(format!("address {address} holds nothing")))?;
    let state: Map<String, Value> = view
        .states
        .iter()
        .map(|(name, value)| (name.clone(), typed_value_json(value)))
        .collect();
    let delayed: Vec<Value> = view
        .delayed
        .iter()
        .map(|delayed| {
            json!({
                "due": rfc3339(delayed.due),
                "token": delayed.token,
                "typename": delayed.typename,
                "from": delayed.from.to_string(),
                "to": delayed.to.to_string(),
            })
        })
        .collect();
    Ok(Json(json!({
        "address": address.to_string(),
        "state": state,
        "backlog": view.backlog,
        "delayed": delayed,
        "in_flight": view.in_flight,
        "parked": view.parked.as_ref().map(parked_json),
    })))
}

/// RFC 3339 in UTC, to the millisecond.
pub(super) fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}
