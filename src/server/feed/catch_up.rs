//! Catch-up for a page that reconnects after the hub has moved on: the records it has not seen
//! and the hub no longer holds are read from Kafka by offset, with a short-lived consumer of its
//! own, so the shared live consumer is never disturbed.
//!
//! Records stream to the socket as they are read (a catch-up of 10,000 records of 1 MiB is
//! never in memory at once), and only so many catch-ups run at once: a restart that brings
//! every page back at the same moment costs the cluster a bounded number of consumers, and the
//! others are asked to come back shortly. Whatever cannot be read (deleted by retention, more
//! than the limit, or not read in time) is counted, so the page is told exactly how many
//! records it missed instead of skipping them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::server::config::settings::KafkaSettings;
use crate::server::feed::hub::Gaps;
use crate::server::kafka::catalogue::TopicCatalogue;
use crate::server::kafka::context::KafkaContext;
use crate::server::kafka::error::ClientError;
use crate::server::kafka::reader::reader_config;
use crate::server::kafka::record::RecordShape;
use crate::server::metrics::metrics;
use crate::wire::record::FeedRecord;

pub struct CatchUp {
    settings: KafkaSettings,
    catalogue: Arc<TopicCatalogue>,
    /// At most this many records per reconnect; older ones are counted as missed.
    limit: u64,
    /// A catch-up that takes longer than this gives up on the rest and counts it.
    deadline: Duration,
    permits: Arc<Semaphore>,
}

/// A catch-up under way: its records, then how many the page will never see.
pub struct CatchUpReader {
    consumer: Option<StreamConsumer<KafkaContext>>,
    gaps: Gaps,
    until: Instant,
    shape: RecordShape,
    /// Records the page asked for and will not get, known so far.
    missed: u64,
    _permit: OwnedSemaphorePermit,
}

impl CatchUp {
    pub fn new(
        settings: KafkaSettings,
        catalogue: Arc<TopicCatalogue>,
        limit: u64,
        deadline: Duration,
        concurrent: usize,
    ) -> Self {
        Self { settings, catalogue, limit, deadline, permits: Arc::new(Semaphore::new(concurrent)) }
    }

    /// A slot for one catch-up, if one is free now.
    pub fn slot(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.permits).try_acquire_owned().ok()
    }

    /// Starts reading the gaps. Never fails: what cannot be read is counted as missed.
    pub async fn open(&self, gaps: Gaps, permit: OwnedSemaphorePermit) -> CatchUpReader {
        let wanted: u64 =
            gaps.values().map(|range| range.end.saturating_sub(range.start).max(0) as u64).sum();
        let mut reader = CatchUpReader {
            consumer: None,
            gaps: Gaps::new(),
            until: Instant::now() + self.deadline,
            shape: RecordShape::of(&self.settings),
            missed: wanted,
            _permit: permit,
        };
        metrics().catch_ups.inc();
        match self.plan(gaps).await {
            Ok((gaps, consumer)) => {
                let readable: u64 = gaps.values().map(|range| (range.end - range.start) as u64).sum();
                reader.missed = wanted - readable;
                reader.gaps = gaps;
                reader.consumer = consumer;
            }
            Err(error) => {
                tracing::warn!(%error, missed = wanted, "catch-up from Kafka failed; telling the page what it missed");
            }
        }
        reader
    }

    /// What can still be read of the gaps (retention may have deleted their start; past the
    /// limit only the newest are worth sending), and a consumer assigned to read it.
    async fn plan(
        &self,
        mut gaps: Gaps,
    ) -> Result<(Gaps, Option<StreamConsumer<KafkaContext>>), ClientError> {
        let topic = &self.settings.topic;
        let marks = self.catalogue.all_watermarks(topic, gaps.keys().copied()).await?;
        for (partition, (low, _)) in marks {
            if let Some(range) = gaps.get_mut(&partition) {
                range.start = range.start.max(low);
            }
        }
        let mut budget = self.limit;
        for range in gaps.values_mut().rev() {
            let take = (range.end.saturating_sub(range.start).max(0) as u64).min(budget);
            range.start = range.end - take as i64;
            budget -= take;
        }
        gaps.retain(|_, range| range.start < range.end);
        if gaps.is_empty() {
            return Ok((gaps, None));
        }
        let consumer: StreamConsumer<KafkaContext> = reader_config(&self.settings, "kafka-live-catch-up")
            .create_with_context(KafkaContext::default())?;
        let mut assignment = TopicPartitionList::new();
        for (partition, range) in &gaps {
            assignment.add_partition_offset(topic, *partition, Offset::Offset(range.start))?;
        }
        consumer.assign(&assignment)?;
        Ok((gaps, Some(consumer)))
    }
}

impl CatchUpReader {
    /// The next record of the gaps, in order per partition; `None` once every gap is read, the
    /// deadline has passed, or Kafka failed (the rest is then counted in `missed`).
    pub async fn next(&mut self) -> Option<FeedRecord> {
        loop {
            let consumer = self.consumer.as_ref()?;
            if self.gaps.is_empty() {
                return None;
            }
            let left = self.until.saturating_duration_since(Instant::now());
            let received = match tokio::time::timeout(left, consumer.recv()).await {
                Ok(Ok(message)) => Some(self.shape.to_record(&message)),
                Ok(Err(error)) => {
                    tracing::warn!(error = %ClientError(error), "catch-up read failed; the rest is counted as missed");
                    None
                }
                Err(_elapsed) => None,
            };
            let Some(record) = received else {
                self.give_up();
                return None;
            };
            let Some(range) = self.gaps.get_mut(&record.partition) else { continue };
            if record.offset < range.start {
                continue;
            }
            if record.offset >= range.end {
                self.gaps.remove(&record.partition);
                continue;
            }
            // Offsets the log does not hold (compaction, transaction markers) are not missed
            // records: the gap simply starts after them.
            range.start = record.offset + 1;
            if range.start >= range.end {
                self.gaps.remove(&record.partition);
            }
            return Some(record);
        }
    }

    fn give_up(&mut self) {
        self.missed += self.gaps.values().map(|range| (range.end - range.start) as u64).sum::<u64>();
        self.gaps.clear();
        self.consumer = None;
    }

    /// Records the page asked for and will not get. Final once `next` has returned `None`.
    pub fn missed(&self) -> u64 {
        self.missed
    }
}
