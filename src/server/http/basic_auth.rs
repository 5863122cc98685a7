//! Optional HTTP Basic authentication in front of everything: the page, its assets, the feed
//! socket and the server functions. Browsers ask once and then send the credentials with every
//! same-origin request, the WebSocket handshake included.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::server::config::web::BasicAuth;

pub async fn require(State(expected): State<Arc<BasicAuth>>, request: Request<Body>, next: Next) -> Response {
    if presented(request.headers()).is_some_and(|(user, password)| {
        // Both compared in full whatever the first says, so timing tells nothing.
        constant_time_eq(user.as_bytes(), expected.user.as_bytes())
            & constant_time_eq(password.as_bytes(), expected.password.as_bytes())
    }) {
        return next.run(request).await;
    }
    let mut response =
        (StatusCode::UNAUTHORIZED, "kafka-live needs a user name and password.\n").into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Basic realm="kafka-live", charset="UTF-8""#),
    );
    response
}

/// `(user, password)` from an `Authorization: Basic …` header.
fn presented(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for (i, byte) in a.iter().enumerate() {
        difference |= usize::from(byte ^ b.get(i).copied().unwrap_or(!byte));
    }
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_read_from_the_header() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic YWxpY2U6czNjcjN0Ojo="));
        assert_eq!(presented(&headers), Some(("alice".into(), "s3cr3t::".into())));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert_eq!(presented(&headers), None);
    }

    #[test]
    fn equal_only_when_every_byte_and_the_length_match() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret!"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
