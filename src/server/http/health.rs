//! `/healthz` and `/readyz`, for whoever runs kafka-live as a service.
//!
//! Liveness is that the process serves. Readiness is that the page would work: the shared feed
//! is reading, the cluster answers, the producer is up. Otherwise 503, with a JSON body that
//! says which part is not, in the same words the page's status uses.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::server::feed::hub::Hub;
use crate::wire::frame::{BrokerStatus, FeedHealth};

#[derive(Debug, Serialize)]
struct Readiness {
    ready: bool,
    feed: FeedHealth,
    broker: Option<BrokerStatus>,
    /// The producer is created at start-up and lives as long as the process: if this answers,
    /// it is up; whether the cluster takes its records is `broker`.
    producer: &'static str,
}

pub async fn live() -> &'static str {
    "ok\n"
}

pub async fn ready(State(hub): State<Arc<Hub>>) -> Response {
    let feed = hub.feed_health();
    let broker = hub.broker_status().borrow().clone();
    let ready = feed.is_reading() && broker == Some(BrokerStatus::Reachable);
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Readiness { ready, feed, broker, producer: "up" })).into_response()
}
