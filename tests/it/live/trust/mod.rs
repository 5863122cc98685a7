//! The live path survives hostile input and quiet faults: every record in the topic is shown,
//! counted as missed, or told unreadable, and the server lends the user's Kafka credentials to
//! nobody. Each module creates its fault or sends its input for real, against a real broker.

mod feed_client;
mod outside;

mod budgets;
mod durability;
mod hosts_and_origins;
mod numbers;
mod odd_records;
mod partitioner;
mod resume_partitions;
mod secrets;
mod statuses;
mod supervision;
mod topics;
