//! The one way kafka-live reads a topic: by assignment, never committing, and with the
//! prefetch bounded. The live feed, a reconnecting page's catch-up and a page's own reader are
//! all made from it.

use rdkafka::ClientConfig;

use crate::server::config::settings::KafkaSettings;

/// A consumer that reads by assignment and never commits: the feed, a reconnecting page's
/// catch-up and a page's own reader all read this way.
pub fn reader_config(settings: &KafkaSettings, group: &str) -> ClientConfig {
    let fetch_max = settings.max_message_bytes + 64 * 1024;
    let mut config = settings.client_config();
    config
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "false")
        // An offset no longer in the log is an error the reader handles (`out_of_range`), not
        // a silent jump to the end.
        .set("auto.offset.reset", "error")
        // Kafka answers a waiting fetch as soon as data arrives; some compatible brokers only
        // answer when this wait runs out, so it bounds the feed's latency there.
        .set("fetch.wait.max.ms", settings.fetch_wait_max_ms.to_string())
        .set("fetch.min.bytes", "1")
        .set("socket.nagle.disable", "true")
        .set("fetch.message.max.bytes", fetch_max.to_string())
        // librdkafka prefetches up to 64 MiB and 100,000 records a partition by default: with
        // 1 MiB records, a reader whose pages are slow would hold that much, and a feed that falls
        // behind a stream of small ones held 16 MiB more. Sixteen large records, or 10,000 small
        // ones a partition, ahead is plenty.
        .set("queued.max.messages.kbytes", (16 * fetch_max / 1024).to_string())
        .set("queued.min.messages", "10000");
    config
}
