//! Catch-up for a page that reconnects after the hub has moved on: the records it has not seen
//! and the hub no longer holds are read from Kafka by offset, with a short-lived consumer of its
//! own, so the shared live consumer is never disturbed.
//!
//! Whatever cannot be read (deleted by retention, more than the limit, or not read in time) is
//! counted, so the page is told exactly how many records it missed instead of skipping them.

use std::time::{Duration, Instant};

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::{Offset, TopicPartitionList};

use super::context::KafkaContext;
use super::feed::{reader_config, to_record};
use crate::event::FeedRecord;
use crate::server::hub::Gaps;
use crate::server::settings::KafkaSettings;

const WATERMARK_TIMEOUT: Duration = Duration::from_secs(5);

pub struct CatchUp {
    settings: KafkaSettings,
    /// At most this many records per reconnect; older ones are counted as missed.
    limit: u64,
    /// A catch-up that takes longer than this gives up on the rest and counts it.
    deadline: Duration,
}

/// What a reconnecting page gets before the backlog: records in order per partition, and how
/// many it will never see.
#[derive(Debug, Default)]
pub struct CaughtUp {
    pub records: Vec<FeedRecord>,
    pub missed: u64,
}

impl CatchUp {
    pub fn new(settings: KafkaSettings, limit: u64, deadline: Duration) -> Self {
        Self { settings, limit, deadline }
    }

    pub async fn read(&self, gaps: Gaps) -> CaughtUp {
        let wanted: u64 = gaps.values().map(|range| (range.end - range.start) as u64).sum();
        match self.read_gaps(gaps).await {
            Ok(mut caught) => {
                caught.missed = wanted - caught.records.len() as u64;
                caught
            }
            Err(error) => {
                tracing::warn!(%error, missed = wanted, "catch-up from Kafka failed; telling the page what it missed");
                CaughtUp { records: Vec::new(), missed: wanted }
            }
        }
    }

    async fn read_gaps(&self, mut gaps: Gaps) -> Result<CaughtUp, KafkaError> {
        let consumer: StreamConsumer<KafkaContext> = reader_config(&self.settings, "kafka-live-catch-up")
            .create_with_context(KafkaContext::default())?;
        let consumer = std::sync::Arc::new(consumer);

        // Retention may have deleted the start of a gap; and past the limit only the newest
        // records are worth sending.
        let topic = self.settings.topic.clone();
        let lows = {
            let (consumer, topic) = (std::sync::Arc::clone(&consumer), topic.clone());
            let partitions: Vec<i32> = gaps.keys().copied().collect();
            tokio::task::spawn_blocking(move || {
                partitions
                    .into_iter()
                    .map(|p| consumer.fetch_watermarks(&topic, p, WATERMARK_TIMEOUT).map(|(low, _)| (p, low)))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await
            .expect("watermark task panicked")?
        };
        for (partition, low) in lows {
            if let Some(range) = gaps.get_mut(&partition) {
                range.start = range.start.max(low);
            }
        }
        let mut budget = self.limit;
        for range in gaps.values_mut().rev() {
            let take = ((range.end - range.start).max(0) as u64).min(budget);
            range.start = range.end - take as i64;
            budget -= take;
        }
        gaps.retain(|_, range| range.start < range.end);
        if gaps.is_empty() {
            return Ok(CaughtUp::default());
        }

        let mut assignment = TopicPartitionList::new();
        for (partition, range) in &gaps {
            assignment.add_partition_offset(&topic, *partition, Offset::Offset(range.start))?;
        }
        consumer.assign(&assignment)?;
        let mut records = Vec::new();
        let until = Instant::now() + self.deadline;
        while !gaps.is_empty() {
            let left = until.saturating_duration_since(Instant::now());
            let Ok(message) = tokio::time::timeout(left, consumer.recv()).await else { break };
            let record = to_record(&message?, self.settings.forward_max_bytes);
            let Some(range) = gaps.get(&record.partition) else { continue };
            if record.offset >= range.end {
                gaps.remove(&record.partition);
                continue;
            }
            if record.offset + 1 >= range.end {
                gaps.remove(&record.partition);
            }
            records.push(record);
        }
        Ok(CaughtUp { records, missed: 0 })
    }
}
