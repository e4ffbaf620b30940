//! `GET /metrics`: the runtime's counters and gauges in the OpenMetrics text format, which
//! Prometheus scrapes.
//!
//! The engine keeps its own counters (see the engine's observation layer) under the lock
//! it holds anyway; this reads them once per scrape through a `prometheus-client`
//! [`Collector`], so the message path pays nothing for a metrics library.

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::Admin;
use super::error::ApiError;
use crate::engine::{FunctionView, Gauges, LATENCY_BOUNDS_US};

/// The content type of the OpenMetrics text format.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub(super) fn routes() -> Router<Admin> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(admin): State<Admin>) -> Result<Response, ApiError> {
    let snapshot = Snapshot {
        functions: admin.runtime.functions(),
        gauges: admin.runtime.gauges(),
        topics: admin
            .egress
            .as_ref()
            .map(|egress| egress.topic_lengths())
            .unwrap_or_default(),
    };
    let mut registry = Registry::default();
    registry.register_collector(Box::new(snapshot));
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).map_err(|error| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot encode the metrics: {error}"),
        )
    })?;
    Ok(([(CONTENT_TYPE, OPENMETRICS)], text).into_response())
}

/// What one scrape reports.
#[derive(Debug)]
struct Snapshot {
    functions: Vec<FunctionView>,
    gauges: Gauges,
    topics: Vec<(String, usize)>,
}

/// A counter or gauge family: one value per label set.
struct Family<'a> {
    name: &'a str,
    help: &'a str,
    metric_type: MetricType,
    samples: Vec<(Vec<(&'static str, String)>, u64)>,
}

impl Family<'_> {
    fn encode(&self, encoder: &mut DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let mut metric = encoder.encode_descriptor(self.name, self.help, None, self.metric_type)?;
        for (labels, value) in &self.samples {
            // Without labels, a sample has no braces at all.
            if labels.is_empty() {
                encode_value(&mut metric, self.metric_type, *value)?;
            } else {
                encode_value(&mut metric.encode_family(labels)?, self.metric_type, *value)?;
            }
        }
        Ok(())
    }
}

fn encode_value(
    encoder: &mut MetricEncoder<'_>,
    metric_type: MetricType,
    value: u64,
) -> Result<(), std::fmt::Error> {
    match metric_type {
        MetricType::Counter => encoder.encode_counter::<NoLabelSet, _, u64>(&value, None),
        _ => encoder.encode_gauge(&value),
    }
}

fn by_type<'a>(
    functions: &'a [FunctionView],
    value: impl Fn(&'a FunctionView) -> Vec<(Vec<(&'static str, String)>, u64)>,
) -> Vec<(Vec<(&'static str, String)>, u64)> {
    functions.iter().flat_map(value).collect()
}

fn of_type(function: &FunctionView) -> (&'static str, String) {
    ("function_type", function.function_type.clone())
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let functions = &self.functions;
        let counter = MetricType::Counter;
        let gauge = MetricType::Gauge;
        let families = [
            Family {
                name: "statefun_messages",
                help: "Messages functions sent to functions, by sender and target type",
                metric_type: counter,
                samples: by_type(functions, |f| {
                    f.stats
                        .sent_to
                        .iter()
                        .map(|(to, count)| (vec![of_type(f), ("target_type", to.clone())], *count))
                        .collect()
                }),
            },
            Family {
                name: "statefun_batches",
                help: "Batches functions answered",
                metric_type: counter,
                samples: by_type(functions, |f| vec![(vec![of_type(f)], f.stats.batches)]),
            },
            Family {
                name: "statefun_invocations",
                help: "Invocations in the batches functions answered with effects",
                metric_type: counter,
                samples: by_type(functions, |f| vec![(vec![of_type(f)], f.stats.invocations)]),
            },
            Family {
                name: "statefun_incomplete_batches",
                help: "Batches answered with missing states, and sent again",
                metric_type: counter,
                samples: by_type(functions, |f| vec![(vec![of_type(f)], f.stats.incomplete)]),
            },
            Family {
                name: "statefun_failures",
                help: "Calls or responses that failed the runtime, by error kind",
                metric_type: counter,
                samples: by_type(functions, |f| {
                    f.stats
                        .failures
                        .iter()
                        .map(|(kind, count)| (vec![of_type(f), ("kind", kind.clone())], *count))
                        .collect()
                }),
            },
            Family {
                name: "statefun_attempt_failures",
                help: "Call attempts that failed, retried or not, by transport error kind",
                metric_type: counter,
                samples: by_type(functions, |f| {
                    f.attempt_failures
                        .iter()
                        .map(|(kind, count)| (vec![of_type(f), ("kind", kind.clone())], *count))
                        .collect()
                }),
            },
            Family {
                name: "statefun_backlog_messages",
                help: "Messages waiting behind a request in flight",
                metric_type: gauge,
                samples: vec![(vec![], self.gauges.backlog as u64)],
            },
            Family {
                name: "statefun_in_flight_addresses",
                help: "Addresses with a request in flight",
                metric_type: gauge,
                samples: vec![(vec![], self.gauges.in_flight as u64)],
            },
            Family {
                name: "statefun_blocked_addresses",
                help: "Addresses whose backlog is at its limit, holding up ingestion",
                metric_type: gauge,
                samples: vec![(vec![], self.gauges.blocked as u64)],
            },
            Family {
                name: "statefun_parked_addresses",
                help: "Addresses parked after their calls kept failing, waiting for a retry or a skip",
                metric_type: gauge,
                samples: vec![(vec![], self.gauges.parked as u64)],
            },
            Family {
                name: "statefun_parked_messages",
                help: "Messages waiting for parked addresses, their failed batches included",
                metric_type: gauge,
                samples: vec![(vec![], self.gauges.parked_messages as u64)],
            },
            Family {
                name: "statefun_delayed_messages",
                help: "Delayed messages waiting for their time",
                metric_type: gauge,
                samples: vec![(vec![], self.gauges.delayed as u64)],
            },
            Family {
                name: "statefun_addresses_with_state",
                help: "Addresses holding state",
                metric_type: gauge,
                samples: vec![(vec![], self.gauges.addresses_with_state as u64)],
            },
            Family {
                name: "statefun_egress_queue_messages",
                help: "Unread messages of each playground egress topic",
                metric_type: gauge,
                samples: self
                    .topics
                    .iter()
                    .map(|(topic, length)| (vec![("topic", topic.clone())], *length as u64))
                    .collect(),
            },
        ];
        for family in &families {
            family.encode(&mut encoder)?;
        }
        let mut latency = encoder.encode_descriptor(
            "statefun_call_latency_seconds",
            "Time from sending a batch to its answer, retries included",
            None,
            MetricType::Histogram,
        )?;
        for function in functions {
            let histogram = &function.stats.latency;
            let buckets: Vec<(f64, u64)> = LATENCY_BOUNDS_US
                .iter()
                .map(|&bound| bound as f64 / 1e6)
                .chain([f64::MAX])
                .zip(histogram.buckets)
                .collect();
            let labels = [of_type(function)];
            latency
                .encode_family(&labels)?
                .encode_histogram::<NoLabelSet>(
                    histogram.sum_us as f64 / 1e6,
                    histogram.count,
                    &buckets,
                    None,
                )?;
        }
        Ok(())
    }
}
