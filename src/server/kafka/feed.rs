//! The feed: one consumer per server process reading every partition of the topic.
//!
//! It assigns partitions instead of joining a group, so every server instance shows the whole
//! stream and the first record arrives without waiting for a group rebalance. It commits
//! nothing: the live view is a reader, not a worker.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Headers;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};

use super::context::KafkaContext;
use super::error::ClientError;
use super::topic;
use crate::event::{FeedRecord, Payload, RecordHeader, Timestamp, TimestampKind};
use crate::server::hub::Hub;
use crate::server::settings::KafkaSettings;

const METADATA_TIMEOUT: Duration = Duration::from_secs(5);
const RETRY_EVERY: Duration = Duration::from_secs(1);
const TOPIC_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads the topic into the hub until the task is aborted. `topic_exists` says whether
/// start-up already made sure of the topic; if not (the broker was down), the feed does.
pub async fn run(settings: KafkaSettings, hub: Arc<Hub>, topic_exists: bool) {
    let consumer = match create_consumer(&settings) {
        Ok(consumer) => Arc::new(consumer),
        Err(error) => {
            let error = ClientError(error);
            tracing::error!(%error, "cannot create the feed consumer; the live feed stays empty");
            return;
        }
    };
    let mut topic_exists = topic_exists;
    loop {
        if !topic_exists {
            if let Err(error) = topic::ensure_topic(&settings, TOPIC_CHECK_TIMEOUT).await {
                tracing::warn!(%error, "live feed waiting for the broker");
                tokio::time::sleep(RETRY_EVERY).await;
                continue;
            }
            topic_exists = true;
        }
        let assigning = {
            let consumer = Arc::clone(&consumer);
            let settings = settings.clone();
            tokio::task::spawn_blocking(move || assign_all(&consumer, &settings))
        };
        match assigning.await.expect("assignment task panicked") {
            Ok(starts) => {
                tracing::info!(topic = %settings.topic, partitions = starts.len(), "live feed reading every partition");
                hub.feed_starts_at(starts);
                break;
            }
            Err(error) => {
                tracing::warn!(topic = %settings.topic, %error, "live feed waiting for the topic");
                tokio::time::sleep(RETRY_EVERY).await;
            }
        }
    }
    let mut last_error: Option<String> = None;
    loop {
        match consumer.recv().await {
            Ok(message) => {
                last_error = None;
                hub.publish(&to_record(&message, settings.forward_max_bytes));
            }
            Err(error) => {
                // librdkafka reconnects by itself; say so once per distinct error, not per poll.
                let text = error.to_string();
                if last_error.as_deref() != Some(&text) {
                    tracing::warn!(error = %text, "live feed consumer error");
                    last_error = Some(text);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

fn create_consumer(settings: &KafkaSettings) -> Result<StreamConsumer<KafkaContext>, KafkaError> {
    // librdkafka needs a group id even to assign; with assign it never joins the group, and
    // with commits off the group never appears on the cluster.
    reader_config(settings, "kafka-live-feed").create_with_context(KafkaContext::default())
}

/// A consumer that reads by assignment and never commits: the feed, a reconnecting page's
/// catch-up and a page's own reader all read this way.
pub fn reader_config(settings: &KafkaSettings, group: &str) -> ClientConfig {
    let mut config = settings.client_config();
    config
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "false")
        // Kafka answers a waiting fetch as soon as data arrives; some compatible brokers only
        // answer when this wait runs out, so it bounds the feed's latency there.
        .set("fetch.wait.max.ms", settings.fetch_wait_max_ms.to_string())
        .set("fetch.min.bytes", "1")
        .set("socket.nagle.disable", "true")
        .set("fetch.message.max.bytes", (settings.max_message_bytes + 64 * 1024).to_string());
    config
}

/// Assigns every partition, each starting far enough back to fill the backlog; returns where
/// each starts.
fn assign_all(
    consumer: &StreamConsumer<KafkaContext>,
    settings: &KafkaSettings,
) -> Result<Vec<(i32, i64)>, KafkaError> {
    let metadata = consumer.fetch_metadata(Some(&settings.topic), METADATA_TIMEOUT)?;
    let topic = metadata
        .topics()
        .iter()
        .find(|t| t.name() == settings.topic)
        .filter(|t| t.error().is_none() && !t.partitions().is_empty())
        .ok_or(KafkaError::MetadataFetch(rdkafka::types::RDKafkaErrorCode::UnknownTopicOrPartition))?;
    let mut assignment = TopicPartitionList::new();
    let mut starts = Vec::new();
    for partition in topic.partitions() {
        let (low, high) = consumer.fetch_watermarks(&settings.topic, partition.id(), METADATA_TIMEOUT)?;
        let start = (high - settings.backlog as i64).max(low);
        assignment.add_partition_offset(&settings.topic, partition.id(), Offset::Offset(start))?;
        starts.push((partition.id(), start));
    }
    consumer.assign(&assignment)?;
    Ok(starts)
}

/// The record as a page sees it: each part cut to `forward_max_bytes`, the size whole.
pub fn to_record(message: &BorrowedMessage<'_>, forward_max_bytes: usize) -> FeedRecord {
    let mut cut = false;
    let mut part = |bytes: &[u8]| {
        let (payload, was_cut) = Payload::from_bytes_at_most(bytes, forward_max_bytes);
        cut |= was_cut;
        payload
    };
    let key = message.key().map(&mut part);
    let value = message.payload().map(&mut part);
    let mut size = message.key().map_or(0, <[u8]>::len) + message.payload().map_or(0, <[u8]>::len);
    let mut headers = Vec::new();
    if let Some(borrowed) = message.headers() {
        for header in borrowed.iter() {
            size += header.key.len() + header.value.map_or(0, <[u8]>::len);
            headers.push(RecordHeader { name: header.key.to_owned(), value: header.value.map(&mut part) });
        }
    }
    let timestamp = match message.timestamp() {
        rdkafka::Timestamp::CreateTime(ms) => Some(Timestamp { ms, kind: TimestampKind::CreateTime }),
        rdkafka::Timestamp::LogAppendTime(ms) => Some(Timestamp { ms, kind: TimestampKind::LogAppendTime }),
        rdkafka::Timestamp::NotAvailable => None,
    };
    FeedRecord {
        topic: message.topic().to_owned(),
        partition: message.partition(),
        offset: message.offset(),
        timestamp,
        key,
        headers,
        value,
        size,
        cut,
    }
}
