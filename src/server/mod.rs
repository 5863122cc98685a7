//! Everything that runs only on the server: settings, Kafka clients, the hub, the socket route.

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
pub mod security_headers;
pub mod settings;
pub mod shutdown;
pub mod startup;
pub mod ws;
