//! rdkafka clients: the shared producer, the live feed consumer, topic creation, the probe.

pub mod broker_probe;
pub mod context;
pub mod error;
pub mod feed;
pub mod producer;
pub mod topic;
