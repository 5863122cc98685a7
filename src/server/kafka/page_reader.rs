//! A page's own reader: for a start position other than "newest" on the configured topic, or
//! any other topic, one consumer per page starts where the page asked and reads on into the
//! live stream. The shared feed consumer is never touched.
//!
//! It reads at the pace its socket takes records (Kafka is the buffer, so a slow page holds
//! nothing in the server), and says when it has read everything the topic held when it
//! started, which the page shows as "caught up".

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::context::KafkaContext;
use super::error::ClientError;
use super::feed::{reader_config, to_record};
use crate::event::FeedRecord;
use crate::server::hub::Resume;
use crate::server::settings::KafkaSettings;
use crate::start_position::{OffsetSpec, StartFrom};

const METADATA_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    #[error("Topic {0} does not exist.")]
    UnknownTopic(String),
    #[error("Topic {topic} has no partition {partition}: it has {count} (0 to {last}).", last = count - 1)]
    NoSuchPartition { topic: String, partition: i32, count: i32 },
    #[error(
        "{limit} pages are already reading from a start position or topic of their own, the most this server allows. Choose Newest on the default topic, or try again later."
    )]
    Busy { limit: usize },
    #[error("cannot read from Kafka: {0}")]
    Kafka(#[from] ClientError),
}

impl ReaderError {
    /// Asking again would get the same answer (a transient Kafka error would not).
    pub fn is_final(&self) -> bool {
        !matches!(self, ReaderError::Kafka(_))
    }
}

impl From<KafkaError> for ReaderError {
    fn from(error: KafkaError) -> Self {
        ReaderError::Kafka(ClientError(error))
    }
}

/// What a page asked to read.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    pub topic: String,
    pub from: StartFrom,
    /// A reconnecting page's last offset per partition: it goes on from there instead.
    pub resume: Resume,
}

pub enum ReaderEvent {
    Record(FeedRecord),
    CaughtUp,
}

/// Hands out the server's page-reader permits.
#[derive(Clone)]
pub struct PageReaders {
    settings: KafkaSettings,
    permits: Arc<Semaphore>,
    limit: usize,
}

pub struct PageReader {
    consumer: StreamConsumer<KafkaContext>,
    forward_max_bytes: usize,
    /// Per partition, the end offset when the reader started, for those not yet reached.
    behind: BTreeMap<i32, i64>,
    caught_up_said: bool,
    last_error: Option<String>,
    _permit: OwnedSemaphorePermit,
}

/// An open reader, and how many records a resuming page asked for that Kafka no longer has.
pub struct Opened {
    pub reader: PageReader,
    pub missed: u64,
}

impl PageReaders {
    pub fn new(settings: &KafkaSettings, limit: usize) -> Self {
        Self { settings: settings.clone(), permits: Arc::new(Semaphore::new(limit)), limit }
    }

    pub async fn open(&self, request: ReadRequest) -> Result<Opened, ReaderError> {
        let permit = Arc::clone(&self.permits)
            .try_acquire_owned()
            .map_err(|_| ReaderError::Busy { limit: self.limit })?;
        let settings = self.settings.clone();
        tokio::task::spawn_blocking(move || open_blocking(&settings, request, permit))
            .await
            .expect("page reader task panicked")
    }
}

fn open_blocking(
    settings: &KafkaSettings,
    request: ReadRequest,
    permit: OwnedSemaphorePermit,
) -> Result<Opened, ReaderError> {
    let consumer: StreamConsumer<KafkaContext> = reader_config(settings, "kafka-live-page")
        .set("enable.partition.eof", "true")
        .create_with_context(KafkaContext::default())?;
    // Every topic, not this one by name: some brokers create a topic they are asked about.
    let metadata = consumer.fetch_metadata(None, METADATA_TIMEOUT)?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .find(|t| t.name() == request.topic && t.error().is_none())
        .map(|t| t.partitions().iter().map(|p| p.id()).collect())
        .ok_or_else(|| ReaderError::UnknownTopic(request.topic.clone()))?;
    if let StartFrom::Offsets(OffsetSpec::Each(offsets)) = &request.from
        && let Some(partition) = offsets.keys().find(|p| !partitions.contains(p))
    {
        return Err(ReaderError::NoSuchPartition {
            topic: request.topic.clone(),
            partition: *partition,
            count: partitions.len() as i32,
        });
    }
    let mut ends = BTreeMap::new();
    for &partition in &partitions {
        ends.insert(partition, consumer.fetch_watermarks(&request.topic, partition, METADATA_TIMEOUT)?);
    }
    let by_time = match request.from {
        StartFrom::Timestamp(ms) => {
            let mut wanted = TopicPartitionList::new();
            for &partition in &partitions {
                wanted.add_partition_offset(&request.topic, partition, Offset::Offset(ms))?;
            }
            let found = consumer.offsets_for_times(wanted, METADATA_TIMEOUT)?;
            found
                .elements()
                .iter()
                .filter_map(|e| match e.offset() {
                    Offset::Offset(offset) => Some((e.partition(), offset)),
                    _ => None,
                })
                .collect()
        }
        _ => BTreeMap::new(),
    };

    let mut assignment = TopicPartitionList::new();
    let mut behind = BTreeMap::new();
    let mut missed = 0;
    for (&partition, &(low, high)) in &ends {
        let start = match request.resume.get(&partition) {
            Some(&last) => {
                missed += (low - (last + 1)).max(0) as u64;
                last + 1
            }
            None => match &request.from {
                StartFrom::Newest => high - settings.backlog as i64,
                StartFrom::Earliest => low,
                StartFrom::Offsets(OffsetSpec::Every(offset)) => *offset,
                StartFrom::Offsets(OffsetSpec::Each(offsets)) => {
                    offsets.get(&partition).copied().unwrap_or(high)
                }
                // No record at or after the time: from the end.
                StartFrom::Timestamp(_) => by_time.get(&partition).copied().unwrap_or(high),
            },
        }
        .clamp(low, high);
        if start < high {
            behind.insert(partition, high);
        }
        assignment.add_partition_offset(&request.topic, partition, Offset::Offset(start))?;
    }
    consumer.assign(&assignment)?;
    tracing::debug!(topic = %request.topic, from = %request.from.to_query(), "page reader started");
    let reader = PageReader {
        consumer,
        forward_max_bytes: settings.forward_max_bytes,
        behind,
        caught_up_said: false,
        last_error: None,
        _permit: permit,
    };
    Ok(Opened { reader, missed })
}

impl PageReader {
    /// The next record, or the news that the reader has caught up (once). Kafka errors are
    /// logged once each and waited out: librdkafka reconnects by itself.
    pub async fn next(&mut self) -> ReaderEvent {
        loop {
            if self.behind.is_empty() && !self.caught_up_said {
                self.caught_up_said = true;
                return ReaderEvent::CaughtUp;
            }
            match self.consumer.recv().await {
                Ok(message) => {
                    self.last_error = None;
                    let record = to_record(&message, self.forward_max_bytes);
                    if self.behind.get(&record.partition).is_some_and(|end| record.offset + 1 >= *end) {
                        self.behind.remove(&record.partition);
                    }
                    return ReaderEvent::Record(record);
                }
                Err(KafkaError::PartitionEOF(partition)) => {
                    self.behind.remove(&partition);
                }
                Err(error) => {
                    let text = ClientError(error).to_string();
                    if self.last_error.as_deref() != Some(&text) {
                        tracing::warn!(error = %text, "page reader error");
                        self.last_error = Some(text);
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}
