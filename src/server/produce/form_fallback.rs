//! Progressive enhancement for the produce form.
//!
//! Before the WASM has loaded, the form is a plain HTML POST. The browser then expects a page,
//! not JSON, so the outcome travels back in the query string of a redirect to `/`, where the
//! server-rendered page shows the receipt or the error and refills the box.

use axum::http::{HeaderMap, header::ACCEPT, request::Parts};
use leptos::prelude::use_context;

use crate::wire::produce::ProduceError;
use crate::wire::produce::redirect_query as query;
use crate::wire::receipt::Receipt;

/// Browsers and proxies cap URLs at a few KiB to a few tens of KiB.
const MAX_REFILL_BYTES: usize = 4 * 1024;

pub fn redirect_plain_form_post(text: &str, topic: Option<&str>, outcome: &Result<Receipt, ProduceError>) {
    let Some(parts) = use_context::<Parts>() else { return };
    if !is_plain_form_post(&parts.headers) {
        return;
    }
    // The page comes back showing the topic it produced to.
    let mut pairs: Vec<(&str, String)> = topic
        .filter(|topic| !topic.trim().is_empty())
        .map(|topic| ("topic", topic.trim().to_owned()))
        .into_iter()
        .collect();
    match outcome {
        Ok(receipt) => {
            let first = receipt.first().unwrap_or(crate::wire::receipt::Placed { partition: -1, offset: -1 });
            pairs.extend([
                (query::TOPIC, receipt.topic.clone()),
                (query::PARTITION, first.partition.to_string()),
                (query::OFFSET, first.offset.to_string()),
                (query::COUNT, receipt.records.len().to_string()),
            ]);
        }
        Err(error) => {
            pairs.push((query::ERROR, error.to_string()));
            // Refill the box, unless the text would make the redirect URL absurdly long.
            if text.len() <= MAX_REFILL_BYTES {
                pairs.push((query::TEXT, text.to_owned()));
            }
        }
    }
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    leptos_axum::redirect(&format!("/?{query}"));
}

/// The server fn client asks for JSON; a browser submitting a form asks for HTML.
fn is_plain_form_post(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}
