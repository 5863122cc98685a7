//! Everything that crosses between the browser and the server, serde on both sides, defined
//! once so the two halves cannot drift apart, each type with its own rules and round-trip
//! tests: a record (`record`), the socket's frames (`frame`), the feed's query (`feed_query`,
//! `start_position`), a Submit's refusals (`produce`) and receipt (`receipt`), the cluster's
//! topics and who may see them (`topics`, `topic_name`, `topic_access`), and the consumer groups
//! reading a topic (`consumers`), and the schemas a record was decoded with (`schema`).

pub mod consumers;
pub mod feed_query;
pub mod frame;
pub mod produce;
pub mod receipt;
pub mod record;
pub mod schema;
pub mod start_position;
pub mod topic_access;
pub mod topic_name;
pub mod topics;
