//! Which `Host` names kafka-live answers to: the defence against DNS rebinding.
//!
//! A page on any site can point its own domain at 127.0.0.1 after the visitor's browser has
//! loaded it; the browser then treats kafka-live as that site's own origin, Origin checks and
//! all. Only the `Host` header tells the two apart, so every request — page, socket, produce —
//! whose `Host` is not one of kafka-live's names is refused before anything else happens.
//! Bound to loopback, those names are the address itself and `localhost`; otherwise they are
//! what `access.allowed-hosts` lists.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::http::origin::split_host_port;
use crate::server::http::status::Refusal;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedHosts {
    /// Any `Host` (`*` in the settings, or a server bound to every address with no list).
    Any,
    /// These host names (lower case, IPv6 in brackets), on any port.
    Names(Vec<String>),
}

impl AllowedHosts {
    /// The names the settings give (`*` for any), or, with none, the bound address's own.
    pub fn resolve(configured: Option<&[String]>, bound: SocketAddr) -> Self {
        match configured {
            Some(names) if names.iter().any(|name| name.trim() == "*") => AllowedHosts::Any,
            Some(names) => AllowedHosts::Names(
                names.iter().filter_map(|name| split_host_port(name.trim()).map(|(host, _)| host)).collect(),
            ),
            None => Self::of_address(bound.ip()),
        }
    }

    fn of_address(ip: IpAddr) -> Self {
        if ip.is_unspecified() {
            tracing::warn!(
                "kafka-live listens on every address and answers to any Host name: set access.allowed-hosts \
                 (KAFKA_LIVE_ALLOWED_HOSTS) to the names it is served under, against DNS rebinding"
            );
            return AllowedHosts::Any;
        }
        let literal = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        let mut names = vec![literal];
        if ip.is_loopback() {
            names.push("localhost".into());
        }
        AllowedHosts::Names(names)
    }

    pub fn allows(&self, host: &str) -> bool {
        match self {
            AllowedHosts::Any => true,
            AllowedHosts::Names(names) => {
                split_host_port(host).is_some_and(|(host, _)| names.contains(&host))
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            AllowedHosts::Any => "any".into(),
            AllowedHosts::Names(names) => names.join(", "),
        }
    }
}

/// The outermost layer: nothing is served to a request for a name that is not ours.
pub async fn require(
    State(allowed): State<Arc<AllowedHosts>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    // HTTP/1.1 sends `Host`; HTTP/2 the URI's authority.
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_default();
    if allowed.allows(&host) {
        return next.run(request).await;
    }
    tracing::warn!(host = %host.chars().take(100).collect::<String>(), "request for a host name kafka-live does not answer to");
    Refusal::HostNotAllowed { host: host.chars().take(100).collect(), allowed: allowed.describe() }
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_to_loopback_it_answers_to_that_address_and_localhost_only() {
        let allowed = AllowedHosts::resolve(None, "127.0.0.1:3000".parse().unwrap());
        assert!(
            allowed.allows("127.0.0.1:3000")
                && allowed.allows("localhost:3000")
                && allowed.allows("LOCALHOST")
        );
        assert!(!allowed.allows("rebind.example:3000"));
        assert!(!allowed.allows(""));
        assert!(!allowed.allows("127.0.0.1.nip.io:3000"));
        let v6 = AllowedHosts::resolve(None, "[::1]:3000".parse().unwrap());
        assert!(v6.allows("[::1]:3000") && !v6.allows("127.0.0.1:3000"));
    }

    #[test]
    fn the_settings_name_the_hosts_or_any() {
        let names = vec!["Kafka.Example.com".to_owned()];
        let allowed = AllowedHosts::resolve(Some(&names), "0.0.0.0:3000".parse().unwrap());
        assert!(allowed.allows("kafka.example.com") && allowed.allows("kafka.example.com.:443"));
        assert!(!allowed.allows("127.0.0.1:3000"), "listing names replaces the defaults");
        assert_eq!(
            AllowedHosts::resolve(Some(&["*".to_owned()]), "127.0.0.1:1".parse().unwrap()),
            AllowedHosts::Any
        );
    }
}
