//! What a Submit sends and what it can be told: the form's header rows, the refusal with its
//! HTTP status, and the query keys of a plain form post's redirect. The server function that
//! takes them is `crate::api::produce_message`.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Why nothing (or not everything) was produced. The page keeps what was typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ProduceError {
    #[error("Enter some text: an empty message is not produced.")]
    EmptyText,
    #[error("The message is {size} bytes; the limit is {limit} bytes. Nothing was produced.")]
    TooLarge { size: usize, limit: usize },
    #[error(
        "That is {records} records and {} in all; one Submit sends at most {}. Nothing was produced.",
        bytes_text(*bytes), bytes_text(*limit)
    )]
    OverBudget { records: u64, bytes: u64, limit: u64 },
    #[error("Header {row} has a value but no name. Nothing was produced.")]
    HeaderWithoutName { row: usize },
    #[error("{count} headers is too many: the limit is {limit}. Nothing was produced.")]
    TooManyHeaders { count: usize, limit: usize },
    #[error("Partition: {0}. Nothing was produced.")]
    BadPartition(String),
    #[error("Topic {topic} has no partition {partition}: it has {count} (0 to {last}). Nothing was produced.", last = count - 1)]
    NoSuchPartition { topic: String, partition: i32, count: i32 },
    #[error("Topic: {0} Nothing was produced.")]
    BadTopic(String),
    #[error("Topic {topic} does not exist. Nothing was produced; create it first.")]
    UnknownTopic { topic: String },
    #[error("{0} Nothing was produced.")]
    TopicNotAllowed(String),
    #[error("Repeat: {0}. Nothing was produced.")]
    BadRepeat(String),
    #[error("That is {count} records; one Submit sends at most {limit}. Nothing was produced.")]
    TooManyRecords { count: usize, limit: usize },
    /// The record may be in Kafka all the same: librdkafka gave up waiting, not necessarily
    /// the broker. Sending it again can write it twice.
    #[error(
        "Kafka did not confirm the message within {timeout_ms} ms ({reason}). It may still have been written: check the feed before sending it again, or it may appear twice."
    )]
    TimedOut { timeout_ms: u64, reason: String },
    #[error("Kafka refused the message as too large: {0}")]
    RefusedTooLarge(String),
    #[error("Kafka refused the message: this kafka-live is not authorised ({0}).")]
    NotAuthorised(String),
    #[error("Kafka refused the message: {0}")]
    Refused(String),
    #[error(
        "Kafka confirmed {delivered} of {total} records; the others failed or were not confirmed ({reason}). Those may still have been written: check the feed before sending them again."
    )]
    PartlyDelivered { delivered: usize, total: usize, reason: String },
    #[error("This kafka-live is read-only: it shows the feed, and producing is turned off.")]
    ReadOnly,
    #[error(
        "Too many messages from this address: the limit is {per_second} a second. Nothing was produced; try again in a moment."
    )]
    RateLimited { per_second: u32 },
    #[error(
        "Too much data from this address: the limit is {} a second. Nothing was produced; try again in {retry_after_seconds} s.",
        bytes_text(*bytes_per_second)
    )]
    ByteRateLimited { bytes_per_second: u64, retry_after_seconds: u64 },
    #[error("The request did not reach the producer: {0}")]
    Request(String),
    #[error("The {part} does not fit schema {subject} at {path}: {reason}. Nothing was produced.")]
    SchemaMismatch { part: String, subject: String, path: String, reason: String },
    #[error("{0} Nothing was produced.")]
    BadSchema(String),
}

impl ProduceError {
    /// The HTTP status that says why: the one table of it, applied by the server in one place.
    pub fn status(&self) -> u16 {
        use ProduceError::*;
        match self {
            EmptyText
            | HeaderWithoutName { .. }
            | TooManyHeaders { .. }
            | BadPartition(_)
            | NoSuchPartition { .. }
            | BadTopic(_)
            | BadRepeat(_)
            | BadSchema(_)
            | Request(_) => 400,
            SchemaMismatch { .. } => 422,
            ReadOnly | TopicNotAllowed(_) | NotAuthorised(_) => 403,
            UnknownTopic { .. } => 404,
            TooLarge { .. } | OverBudget { .. } | TooManyRecords { .. } | RefusedTooLarge(_) => 413,
            RateLimited { .. } | ByteRateLimited { .. } => 429,
            Refused(_) | PartlyDelivered { .. } => 503,
            TimedOut { .. } => 504,
        }
    }

    /// Seconds after which asking again can succeed, for a refusal that is only about timing.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            // A token comes back within a second at any rate of at least one a second.
            ProduceError::RateLimited { .. } => Some(1),
            ProduceError::ByteRateLimited { retry_after_seconds, .. } => Some(*retry_after_seconds),
            _ => None,
        }
    }
}

/// "1,048,576 bytes (1.0 MiB)": exact, and readable.
pub fn bytes_text(bytes: u64) -> String {
    let mut digits = bytes.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    let exact = format!("{digits}{grouped} bytes");
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = None;
    for name in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = Some(name);
    }
    match unit {
        Some(unit) => format!("{exact} ({value:.1} {unit})"),
        None => exact,
    }
}

impl FromServerFnError for ProduceError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ProduceError::Request(value.to_string())
    }
}

/// One header row of the form. A row with neither name nor value is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderField {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
}

/// Query keys of the redirect after a plain form post (no WASM yet): the server writes them,
/// the server-rendered page reads them.
pub mod redirect_query {
    pub const TOPIC: &str = "delivered_topic";
    pub const PARTITION: &str = "delivered_partition";
    pub const OFFSET: &str = "delivered_offset";
    pub const COUNT: &str = "delivered_count";
    pub const ERROR: &str = "error";
    pub const TEXT: &str = "text";
}
