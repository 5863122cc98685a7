//! The Kafka clients and what they share: the producer, how every reader is configured, the
//! cluster's topics (`catalogue`), a record read off the wire, out-of-range repair, errors, and
//! the client context that keeps librdkafka's last word.

pub mod catalogue;
pub mod context;
pub mod durability;
pub mod error;
pub mod out_of_range;
pub mod producer;
pub mod reader;
pub mod record;

/// How long a metadata, watermark or admin request may take before the caller says the cluster
/// did not answer.
pub const METADATA_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
