//! Records written by a client of the cluster that is not kafka-live: the test kit's outside
//! producer (`kafka-live-produce`), which also writes what rdkafka's API cannot (header names
//! that are not UTF-8, through librdkafka).

use std::collections::BTreeMap;

use crate::common::bootstrap;

/// Produces what `kafka-live-produce ARGS` would, to the test broker and `topic`; returns its
/// output lines (`partition offset` per record).
pub async fn produce(topic: &str, args: &[&str]) -> Vec<String> {
    let bootstrap = bootstrap();
    let env = BTreeMap::from([
        ("KAFKA_LIVE_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml")),
        ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.as_str()),
        ("KAFKA_TOPIC", topic),
    ]);
    let args = args.iter().map(|arg| (*arg).to_owned()).collect();
    kafka_live_testkit::outside::run(args, &env).await.expect("the outside producer writes every record")
}
