//! Tests against the running broker of `KAFKA_BOOTSTRAP_SERVERS`, on Apache Kafka and nisshi.

mod access;
mod batches;
mod console_consumer;
mod consumer_group;
mod limits;
mod operations;
mod page_reader;
mod produce_input;
mod resume;
mod round_trip;
mod server_stop;
mod socket_limits;
mod trust;
