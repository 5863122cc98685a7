//! What a produce request must pass before it reaches Kafka: read-only mode, the per-client
//! request rate, and the per-client byte rate. Refusals are `ProduceError`s, so the page (with
//! or without its WASM) shows them like any other, with the HTTP status that says why.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use leptos::prelude::use_context;

use crate::server::config::web::{ProduceRate, WebSettings};
use crate::server::http::rate_limit::RateLimiter;
use crate::wire::produce::ProduceError;

#[derive(Debug)]
pub struct ProduceGate {
    read_only: bool,
    requests: Option<(ProduceRate, RateLimiter)>,
    /// Bytes a second, and its limiter; a whole Submit's budget always fits its burst.
    bytes: Option<(u64, RateLimiter)>,
}

impl ProduceGate {
    pub fn new(web: &WebSettings) -> Self {
        let requests = web
            .produce_rate
            .map(|rate| (rate, RateLimiter::new(f64::from(rate.per_second), f64::from(rate.burst))));
        let bytes = (web.produce_bytes_per_second > 0).then(|| {
            let per_second = web.produce_bytes_per_second;
            let burst = per_second.max(web.submit_max_bytes);
            (per_second, RateLimiter::new(per_second as f64, burst as f64))
        });
        Self { read_only: web.read_only, requests, bytes }
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Runs inside the produce server function, with its request in context, before the
    /// request is parsed.
    pub fn admit(&self) -> Result<(), ProduceError> {
        if self.read_only {
            return Err(ProduceError::ReadOnly);
        }
        let Some((rate, limiter)) = &self.requests else { return Ok(()) };
        limiter
            .check(client_address(), Instant::now(), 1.0)
            .map_err(|_| ProduceError::RateLimited { per_second: rate.per_second })
    }

    /// Once the request is parsed: what it produces counts against the client's byte rate.
    pub fn charge_bytes(&self, bytes: u64) -> Result<(), ProduceError> {
        let Some((per_second, limiter)) = &self.bytes else { return Ok(()) };
        limiter.check(client_address(), Instant::now(), bytes as f64).map_err(|wait| {
            ProduceError::ByteRateLimited {
                bytes_per_second: *per_second,
                retry_after_seconds: wait.as_secs_f64().ceil().max(1.0) as u64,
            }
        })
    }
}

/// The peer's address; a server started without connection info counts as one client.
pub fn client_address() -> IpAddr {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}
