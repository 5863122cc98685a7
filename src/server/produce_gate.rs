//! What a produce request must pass before it reaches Kafka: read-only mode and the per-client
//! rate limit. Refusals are `ProduceError`s, so the page (with or without its WASM) shows them
//! like any other, with the HTTP status that says why.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::rate_limit::RateLimiter;
use super::web_settings::WebSettings;
use crate::produce::ProduceError;

#[derive(Debug)]
pub struct ProduceGate {
    read_only: bool,
    limiter: Option<RateLimiter>,
}

impl ProduceGate {
    pub fn new(web: &WebSettings) -> Self {
        Self { read_only: web.read_only, limiter: web.produce_rate.map(RateLimiter::new) }
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Runs inside the produce server function, with its request in context.
    pub fn admit(&self) -> Result<(), ProduceError> {
        if self.read_only {
            set_status(StatusCode::FORBIDDEN, None);
            return Err(ProduceError::ReadOnly);
        }
        let Some(limiter) = &self.limiter else { return Ok(()) };
        limiter.check(client_address(), Instant::now()).map_err(|wait| {
            let seconds = wait.as_secs().max(1);
            set_status(StatusCode::TOO_MANY_REQUESTS, Some(seconds));
            ProduceError::RateLimited { per_second: limiter.rate().per_second }
        })
    }
}

/// The peer's address; a server started without connection info counts as one client.
fn client_address() -> IpAddr {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn set_status(status: StatusCode, retry_after_seconds: Option<u64>) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(status);
        if let Some(seconds) = retry_after_seconds {
            response.insert_header(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
}
