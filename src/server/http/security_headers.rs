//! Response headers that keep the page to itself.
//!
//! The page's Content-Security-Policy allows only scripts that carry this response's nonce
//! (Leptos puts it on its hydration script) and what they load (`'strict-dynamic'`), the WASM
//! module (`'wasm-unsafe-eval'`), and connections to this origin (the `/ws` feed and the server
//! functions). A record that carried markup could not run script even if it ever reached the
//! DOM as HTML.

use axum::body::Body;
use axum::http::Request;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::use_nonce;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// The policy for a page rendered with `nonce`.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Called while a page renders (from the route context): puts the policy with the nonce Leptos
/// generated for this response on the response.
pub fn add_content_security_policy() {
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// On every response: no MIME sniffing, no referrer leaving the origin.
pub async fn add_static_headers(request: Request<Body>, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}
