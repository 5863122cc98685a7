//! Every integration test, in one binary: one link of rdkafka, axum and Leptos instead of one a
//! file. The modules say what each group needs, and `scripts/test` runs a group by its path:
//!
//! - `standalone`: no shared broker; the settings rules, an unreachable broker, and brokers of
//!   the tests' own that come and go;
//! - `live`: a running broker (`KAFKA_BOOTSTRAP_SERVERS`), run on both Apache Kafka and nisshi;
//! - `kafka_only`: the load tests, on Apache Kafka, one at a time;
//! - `sasl_ssl`: the SASL_SSL listener of `scripts/kafka` (`--ignored` elsewhere).
//!
//! Each test talks to a real broker over TCP and to the real server: the app on port 0 in this
//! process (`common::spawn_app`), or the `kafka-live` binary as a user starts it.

mod common;
mod kafka_only;
mod live;
mod sasl_ssl;
mod standalone;
