//! The site's files (WASM, JS, CSS, `public/`) from inside the binary.
//!
//! The server embeds `target/site` as it was when it was compiled (`build.rs` recompiles it
//! when the site changes; the scripts build the site first), so the one `kafka-live` file,
//! copied anywhere, serves the whole app. Where `site-root` exists on disk its files come
//! first: `cargo leptos watch` rebuilds the page and the server side by side, and the server
//! would otherwise embed the page before last.
//!
//! A file built beside a `.gz` of itself is sent compressed to a browser that accepts gzip;
//! every file carries an ETag from its content, so a reload costs a 304.

use axum::body::Body;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "target/site/"]
#[allow_missing = true]
struct Site;

/// The embedded file at `path`, or `None` if the site has no such file.
pub fn file(path: &str, request_headers: &HeaderMap) -> Option<Response> {
    let path = path.trim_start_matches('/');
    let file = Site::get(path)?;
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()));
    let mut headers = HeaderMap::new();
    headers.insert(ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header value"));
    headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    // The files keep their names from build to build, so a browser asks again each time, and
    // the ETag makes that a 304.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if request_headers.get(IF_NONE_MATCH).and_then(|value| value.to_str().ok()) == Some(etag.as_str()) {
        return Some((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let mime = file.metadata.mimetype();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let gzip = accepts_gzip(request_headers).then(|| Site::get(&format!("{path}.gz"))).flatten();
    let body = match gzip {
        Some(compressed) => {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            compressed.data
        }
        None => file.data,
    };
    Some((headers, Body::from(body.into_owned())).into_response())
}

/// Whether `path` names a file under `site_root` on disk. A path that climbs out is never one.
pub fn on_disk(site_root: &str, path: &str) -> bool {
    let relative = std::path::Path::new(path.trim_start_matches('/'));
    let plain = relative.components().all(|part| matches!(part, std::path::Component::Normal(_)));
    plain && std::path::Path::new(site_root).join(relative).is_file()
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|param| {
                matches!(param.trim().replace(' ', "").as_str(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000")
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(encoding: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(encoding).unwrap());
        headers
    }

    #[test]
    fn gzip_is_sent_only_to_a_browser_that_takes_it() {
        assert!(accepts_gzip(&with("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&with("br;q=1.0, gzip;q=0.5")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("br")));
        assert!(!accepts_gzip(&with("gzip;q=0")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
