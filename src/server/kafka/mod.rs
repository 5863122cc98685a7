//! rdkafka clients: the shared producer, the live feed consumer, catch-up reads for a
//! reconnecting page, topic creation, the probe.

pub mod broker_probe;
pub mod catalogue;
pub mod catch_up;
pub mod context;
pub mod error;
pub mod feed;
pub mod page_reader;
pub mod producer;
pub mod topic;
