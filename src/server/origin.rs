//! Same-origin checks for the two ways a page can act: the produce POST and the feed socket.
//!
//! Browsers send `Origin` on cross-site POSTs and on every WebSocket upgrade. A page on another
//! site must neither produce through a visitor's browser (cross-site request forgery) nor read
//! the feed with the visitor's cookies (cross-site WebSocket hijacking). Clients that are not
//! browsers send no `Origin` and are let through.

use axum::http::{HeaderMap, header};

pub fn is_same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
    origin_host.trim_end_matches('/').eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apps_own_origin_passes() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
        assert!(is_same_origin(&headers), "no Origin: not a browser");
        headers.insert(header::ORIGIN, "http://127.0.0.1:3000".parse().unwrap());
        assert!(is_same_origin(&headers));
        headers.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert!(!is_same_origin(&headers));
        headers.insert(header::ORIGIN, "null".parse().unwrap());
        assert!(!is_same_origin(&headers), "sandboxed frames send Origin: null");
    }
}
