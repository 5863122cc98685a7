//! What every request passes before it reaches a handler, and how a refusal is answered: host
//! and origin checks, basic auth, per-address rates, security headers, the one table of statuses,
//! the `/ws` route that admits a socket before the feed serves it, and the HTTP server loop with
//! its timeouts.

pub mod basic_auth;
pub mod health;
pub mod host_check;
pub mod metrics_route;
pub mod origin;
pub mod rate_limit;
pub mod security_headers;
pub mod serve;
pub mod site;
pub mod socket_route;
pub mod status;
