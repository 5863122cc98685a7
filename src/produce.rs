//! The produce server function and its error, shared by page and server.
//!
//! The function body runs on the server only; the browser gets a generated client that POSTs
//! to `/api/produce`, or the plain HTML form does the same before the WASM has loaded.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::event::Receipt;

/// Why a message was not produced. Every variant means: nothing was written to Kafka
/// (or, for a timeout, Kafka never confirmed it), and the page keeps the typed text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ProduceError {
    #[error("Enter some text: an empty message is not produced.")]
    EmptyText,
    #[error("The message is {size} bytes; the limit is {limit} bytes. Nothing was produced.")]
    TooLarge { size: usize, limit: usize },
    #[error("Kafka did not confirm the message within {timeout_ms} ms ({reason}). Is the broker reachable?")]
    TimedOut { timeout_ms: u64, reason: String },
    #[error("Kafka refused the message: {0}")]
    Refused(String),
    #[error("This kafka-live is read-only: it shows the feed, and producing is turned off.")]
    ReadOnly,
    #[error(
        "Too many messages from this address: the limit is {per_second} a second. Nothing was produced; try again in a moment."
    )]
    RateLimited { per_second: u32 },
    #[error("The request did not reach the producer: {0}")]
    Request(String),
}

impl FromServerFnError for ProduceError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ProduceError::Request(value.to_string())
    }
}

/// Query keys of the redirect after a plain form post (no WASM yet): the server writes them,
/// the server-rendered page reads them.
pub mod redirect_query {
    pub const TOPIC: &str = "delivered_topic";
    pub const PARTITION: &str = "delivered_partition";
    pub const OFFSET: &str = "delivered_offset";
    pub const ERROR: &str = "error";
    pub const TEXT: &str = "text";
}

/// Produces `text` to the configured topic and returns where Kafka stored it.
#[server(endpoint = "produce")]
pub async fn produce_message(text: String) -> Result<Receipt, ProduceError> {
    let producer = expect_context::<crate::server::kafka::producer::SharedProducer>();
    let gate = expect_context::<std::sync::Arc<crate::server::produce_gate::ProduceGate>>();
    let outcome = match gate.admit() {
        Ok(()) => producer.produce(&text).await,
        Err(refused) => Err(refused),
    };
    crate::server::form_fallback::redirect_plain_form_post(&text, &outcome);
    outcome
}
