//! `/metrics`: every series, as OpenMetrics text for Prometheus (see `server::metrics`).

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use crate::server::metrics::metrics;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub async fn scrape() -> impl IntoResponse {
    ([(CONTENT_TYPE, OPENMETRICS)], metrics().render())
}
