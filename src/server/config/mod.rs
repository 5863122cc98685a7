//! One set of typed settings, read from `Leptos.toml` and the environment before anything starts.

pub mod client_properties;
pub mod settings;
pub mod source;
pub mod web;
