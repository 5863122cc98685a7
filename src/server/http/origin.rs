//! Which pages may act through a visitor's browser: the produce POST and the feed socket.
//!
//! Browsers send `Origin` on cross-site POSTs and on every WebSocket upgrade. A page on another
//! site must neither produce through a visitor's browser (cross-site request forgery) nor read
//! the feed with the visitor's credentials (cross-site WebSocket hijacking). The app's own
//! origin (the `Host` it was asked for) always passes; behind a reverse proxy that rewrites
//! `Host`, the public origins are listed in `access.allowed-origins`, compared by scheme, host
//! and port. Clients that are not browsers send no `Origin` and are let through.

use axum::http::{HeaderMap, header};

pub use crate::server::config::origin::{Origin, split_host_port};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    pub listed: Vec<Origin>,
}

impl AllowedOrigins {
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else { return true };
        let Ok(origin) = origin.to_str().map(Origin::parse) else { return false };
        // Sandboxed frames and privacy-sensitive contexts send `Origin: null`: never ours.
        let Ok(origin) = origin else { return false };
        if self.listed.contains(&origin) {
            return true;
        }
        let Some((host, port)) =
            headers.get(header::HOST).and_then(|v| v.to_str().ok()).and_then(split_host_port)
        else {
            return false;
        };
        host == origin.host && port.unwrap_or(origin.default_port()) == origin.port
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().unwrap());
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, origin.parse().unwrap());
        }
        headers
    }

    #[test]
    fn only_the_apps_own_origin_passes_by_default() {
        let allowed = AllowedOrigins::default();
        assert!(allowed.allows(&headers("127.0.0.1:3000", None)), "no Origin: not a browser");
        assert!(allowed.allows(&headers("127.0.0.1:3000", Some("http://127.0.0.1:3000"))));
        assert!(!allowed.allows(&headers("127.0.0.1:3000", Some("http://127.0.0.1:3001"))), "another port");
        assert!(!allowed.allows(&headers("127.0.0.1:3000", Some("https://evil.example"))));
        assert!(
            !allowed.allows(&headers("127.0.0.1:3000", Some("null"))),
            "sandboxed frames send Origin: null"
        );
        assert!(
            allowed.allows(&headers("kafka.example.com", Some("https://kafka.example.com"))),
            "port 443 by default"
        );
    }

    #[test]
    fn listed_origins_pass_by_scheme_host_and_port() {
        let allowed = AllowedOrigins { listed: vec![Origin::parse("https://Kafka.Example.com").unwrap()] };
        assert!(allowed.allows(&headers("127.0.0.1:3000", Some("https://kafka.example.com"))));
        assert!(allowed.allows(&headers("127.0.0.1:3000", Some("https://kafka.example.com:443"))));
        assert!(
            !allowed.allows(&headers("127.0.0.1:3000", Some("http://kafka.example.com"))),
            "another scheme"
        );
        assert!(
            !allowed.allows(&headers("127.0.0.1:3000", Some("https://kafka.example.com:8443"))),
            "another port"
        );
    }

    #[test]
    fn origins_in_settings_are_checked() {
        assert!(Origin::parse("kafka.example.com").is_err());
        assert!(Origin::parse("ftp://kafka.example.com").is_err());
        assert!(Origin::parse("https://kafka.example.com/path").is_err());
        assert_eq!(Origin::parse("http://[::1]:3000").unwrap().host, "[::1]");
    }

    proptest! {
        #[test]
        fn any_origin_and_host_get_an_answer(origin in ".{0,80}", host in "[a-z0-9.:\\[\\]-]{0,40}") {
            let _ = Origin::parse(&origin);
            let _ = split_host_port(&host);
        }
    }
}
