//! Records written by a client of the cluster that is not kafka-live: the project's own
//! rdkafka helper (`kafka-live-produce`), which also writes what rdkafka's API cannot (header
//! names that are not UTF-8, through librdkafka).

use crate::common::bootstrap;

/// Runs `kafka-live-produce ARGS` against the test broker and `topic`; returns its output lines
/// (`partition offset` per record).
pub fn produce(topic: &str, args: &[&str]) -> Vec<String> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kafka-live-produce"))
        .args(args)
        .env("KAFKA_LIVE_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap())
        .env("KAFKA_TOPIC", topic)
        .output()
        .expect("kafka-live-produce runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect()
}
