//! kafka-live: produce text to Kafka from a page and watch every record arrive live.
//!
//! A record's path, in the order of the modules: `app` (the page: the producer box, the live
//! feed) calls the server functions in `api`, whose bodies hand over to `server` (produce it,
//! consume it, fan it out over the socket); everything that crosses between the two is a type in
//! `wire`. `app`, `api` and `wire` compile for both the server and the browser (WASM); `server`
//! is the server alone and never reaches wasm32.

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod wire;

#[cfg(feature = "ssr")]
pub mod server;

/// The WASM entry point: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
