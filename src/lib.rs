//! kafka-live: produce text to Kafka from a page and watch every record arrive live.
//!
//! `app`, the wire types (`event`, `produce`, `topics`, `start_position`, `topic_name`) compile for both the server and the browser (WASM);
//! `server` is the server alone and never reaches wasm32.

#![recursion_limit = "256"]

pub mod app;
pub mod event;
pub mod feed_query;
pub mod produce;
pub mod start_position;
pub mod topic_access;
pub mod topic_name;
pub mod topics;

#[cfg(feature = "ssr")]
pub mod server;

/// The WASM entry point: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
