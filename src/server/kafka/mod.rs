//! rdkafka clients: the shared producer, the live feed consumer, topic creation.

pub mod context;
pub mod feed;
pub mod producer;
pub mod topic;
