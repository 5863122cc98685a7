//! Everything that crosses between the browser and the server, serde on both sides, each type
//! with its own rules and round-trip tests: the socket's frames and records (`event`), the feed's
//! query (`feed_query`, `start_position`), a Submit and its refusals (`produce`), the cluster's
//! topics and who may see them (`topics`, `topic_name`, `topic_access`).

pub mod event;
pub mod feed_query;
pub mod produce;
pub mod start_position;
pub mod topic_access;
pub mod topic_name;
pub mod topics;
