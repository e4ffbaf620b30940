//! `GET /api/egress`: the playground egress topics and their lengths;
//! `GET /api/egress/{topic}?limit=`: a topic's oldest messages, read without consuming them.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Admin;
use super::error::{ApiError, limit};

const DEFAULT_PEEK: usize = 20;
const MAX_PEEK: usize = 1000;

pub(super) fn routes() -> Router<Admin> {
    Router::new()
        .route("/api/egress", get(topics))
        .route("/api/egress/{topic}", get(peek))
}

async fn topics(State(admin): State<Admin>) -> Json<Value> {
    let topics: Vec<Value> = admin
        .egress
        .as_ref()
        .map(|egress| egress.topic_lengths())
        .unwrap_or_default()
        .into_iter()
        .map(|(topic, length)| json!({ "topic": topic, "length": length }))
        .collect();
    Json(json!({ "topics": topics }))
}

#[derive(Debug, Deserialize)]
struct PeekQuery {
    limit: Option<usize>,
}

async fn peek(
    State(admin): State<Admin>,
    Path(topic): Path<String>,
    query: Result<Query<PeekQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let limit = limit(query.limit, DEFAULT_PEEK, MAX_PEEK)?;
    let undeclared = || ApiError::not_found(format!("no playground egress topic `{topic}`"));
    let egress = admin.egress.as_ref().ok_or_else(undeclared)?;
    let (length, messages) = egress.peek_oldest(&topic, limit).ok_or_else(undeclared)?;
    let messages: Vec<String> = messages
        .iter()
        .map(|message| String::from_utf8_lossy(message).into_owned())
        .collect();
    Ok(Json(json!({
        "topic": topic,
        "length": length,
        "messages": messages,
    })))
}
