//! Everything that runs only on the server: settings, Kafka clients, the hub, the socket route.

pub mod basic_auth;
pub mod client_properties;
pub mod console_consumer;
pub mod embedded_broker;
pub mod form_fallback;
pub mod hub;
pub mod kafka;
pub mod logging;
pub mod open_sockets;
pub mod origin;
pub mod outside_producer;
pub mod produce_gate;
pub mod produce_request;
pub mod rate_limit;
pub mod security_headers;
pub mod settings;
pub mod shutdown;
pub mod startup;
pub mod web_settings;
pub mod ws;
