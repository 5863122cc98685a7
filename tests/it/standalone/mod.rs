//! Tests that need no shared broker.

mod broker_down;
mod broker_faults;
mod operations;
mod paths;
mod security_headers;
mod settings;
