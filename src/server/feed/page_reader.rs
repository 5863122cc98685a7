//! A page's own reader: for a start position other than "newest" on the configured topic, or
//! any other topic, one consumer per page starts where the page asked and reads on into the
//! live stream. The shared feed consumer is never touched.
//!
//! It reads at the pace its socket takes records (Kafka is the buffer, so a slow page holds
//! nothing in the server), and says when it has read everything the topic held when it
//! started, which the page shows as "caught up". Like the feed it picks up partitions added
//! while it runs, and reports records deleted before it read them instead of skipping them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::server::config::settings::KafkaSettings;
use crate::server::feed::hub::Positions;
use crate::server::kafka::catalogue::TopicCatalogue;
use crate::server::kafka::context::KafkaContext;
use crate::server::kafka::error::{ClientError, SayOnce};
use crate::server::kafka::out_of_range::{self, Repair};
use crate::server::kafka::reader::reader_config;
use crate::server::kafka::record::RecordShape;
use crate::server::metrics::{Held, metrics};
use crate::wire::receipt::Placed;
use crate::wire::record::FeedRecord;
use crate::wire::start_position::{OffsetSpec, StartFrom};

/// How often a reader looks for partitions added to its topic.
const NEW_PARTITIONS_EVERY: Duration = Duration::from_secs(2);

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
    /// A reconnecting page's next offset per partition: it goes on from there instead.
    pub resume: Option<Positions>,
}

pub enum ReaderEvent {
    Record(FeedRecord),
    CaughtUp,
    /// Partitions whose view begins here (added to the topic, or `reset` with why).
    View {
        from: Vec<Placed>,
        reset: Option<String>,
    },
    /// Records deleted before the reader read them.
    Missed(u64),
}

/// Hands out the server's page-reader permits.
#[derive(Clone)]
pub struct PageReaders {
    settings: KafkaSettings,
    catalogue: Arc<TopicCatalogue>,
    permits: Arc<Semaphore>,
    limit: usize,
}

pub struct PageReader {
    consumer: Arc<StreamConsumer<KafkaContext>>,
    catalogue: Arc<TopicCatalogue>,
    topic: String,
    shape: RecordShape,
    /// Per partition, the offset it reads next.
    next: BTreeMap<i32, i64>,
    /// Per partition, the end offset when the reader started, for those not yet reached.
    behind: BTreeMap<i32, i64>,
    caught_up_said: bool,
    /// Told before anything else (repairs found while reading).
    queued: Vec<ReaderEvent>,
    new_partitions: tokio::time::Interval,
    errors: SayOnce,
    _permit: OwnedSemaphorePermit,
    _counted: Held,
}

/// An open reader, and what the page must hear first: where its view begins, what it asked for
/// and Kafka no longer has, and partitions that start over.
pub struct Opened {
    pub reader: PageReader,
    pub view: Vec<Placed>,
    pub missed: u64,
    pub resets: Vec<(Placed, String)>,
}

impl PageReaders {
    pub fn new(settings: &KafkaSettings, catalogue: Arc<TopicCatalogue>, limit: usize) -> Self {
        Self { settings: settings.clone(), catalogue, permits: Arc::new(Semaphore::new(limit)), limit }
    }

    pub async fn open(&self, request: ReadRequest) -> Result<Opened, ReaderError> {
        let permit = Arc::clone(&self.permits)
            .try_acquire_owned()
            .map_err(|_| ReaderError::Busy { limit: self.limit })?;
        let partitions = self
            .catalogue
            .partition_ids(&request.topic)
            .await?
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
        let marks = self.catalogue.all_watermarks(&request.topic, partitions.iter().copied()).await?;
        let consumer: Arc<StreamConsumer<KafkaContext>> = Arc::new(
            reader_config(&self.settings, "kafka-live-page")
                .set("enable.partition.eof", "true")
                .create_with_context(KafkaContext::default())?,
        );
        let by_time = match request.from {
            StartFrom::Timestamp(ms) => offsets_for_time(&consumer, &request.topic, &partitions, ms).await?,
            _ => BTreeMap::new(),
        };
        let backlog = i64::try_from(self.settings.backlog).unwrap_or(i64::MAX);
        let mut next = BTreeMap::new();
        for (&partition, &(low, high)) in &marks {
            let asked = match request.resume.as_ref() {
                // A resuming page: where it left off; a partition it never named, everything
                // Kafka still has of it, so nothing it could have seen is lost.
                Some(resume) => resume.get(&partition).copied().unwrap_or(low),
                None => match &request.from {
                    StartFrom::Newest => high.saturating_sub(backlog),
                    StartFrom::Earliest => low,
                    StartFrom::Offsets(OffsetSpec::Every(offset)) => *offset,
                    StartFrom::Offsets(OffsetSpec::Each(offsets)) => {
                        offsets.get(&partition).copied().unwrap_or(high)
                    }
                    // No record at or after the time: from the end.
                    StartFrom::Timestamp(_) => by_time.get(&partition).copied().unwrap_or(high),
                },
            };
            next.insert(partition, asked);
        }
        // A resume outside the log: deleted records are counted, a log that ends too soon
        // starts over; a start position outside it is simply clamped (nothing was seen yet).
        let (mut missed, mut resets) = (0, Vec::new());
        if request.resume.is_some() {
            for repair in out_of_range::repairs(&request.topic, &next, &marks) {
                next.insert(repair.partition(), repair.from());
                match repair {
                    Repair::Missed { count, .. } => missed += count,
                    Repair::Reset { partition, low, reason } => {
                        resets.push((Placed { partition, offset: low }, reason))
                    }
                }
            }
        }
        let mut assignment = TopicPartitionList::new();
        let mut behind = BTreeMap::new();
        for (&partition, start) in next.iter_mut() {
            let (low, high) = marks[&partition];
            *start = (*start).clamp(low, high);
            if *start < high {
                behind.insert(partition, high);
            }
            assignment.add_partition_offset(&request.topic, partition, Offset::Offset(*start))?;
        }
        consumer.assign(&assignment)?;
        tracing::debug!(topic = %request.topic, from = %request.from.to_query(), "page reader started");
        let view = next.iter().map(|(&partition, &offset)| Placed { partition, offset }).collect();
        let mut new_partitions = tokio::time::interval(NEW_PARTITIONS_EVERY);
        new_partitions.reset();
        let reader = PageReader {
            consumer,
            catalogue: Arc::clone(&self.catalogue),
            topic: request.topic,
            shape: RecordShape::of(&self.settings),
            next,
            behind,
            caught_up_said: false,
            queued: Vec::new(),
            new_partitions,
            errors: SayOnce::default(),
            _permit: permit,
            _counted: Held::on(&metrics().page_readers_open),
        };
        Ok(Opened { reader, view, missed, resets })
    }
}

async fn offsets_for_time(
    consumer: &Arc<StreamConsumer<KafkaContext>>,
    topic: &str,
    partitions: &[i32],
    ms: i64,
) -> Result<BTreeMap<i32, i64>, ReaderError> {
    let mut wanted = TopicPartitionList::new();
    for &partition in partitions {
        wanted.add_partition_offset(topic, partition, Offset::Offset(ms))?;
    }
    let consumer = Arc::clone(consumer);
    let found = tokio::task::spawn_blocking(move || {
        consumer.offsets_for_times(wanted, crate::server::kafka::METADATA_TIMEOUT)
    })
    .await
    .map_err(|_| ReaderError::Kafka(ClientError(KafkaError::MetadataFetch(RDKafkaErrorCode::Fail))))??;
    Ok(found
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(offset) => Some((e.partition(), offset)),
            _ => None,
        })
        .collect())
}

impl PageReader {
    /// The next record, or news the page needs: that the reader has caught up (once), a
    /// partition added or reset, records deleted before they were read. Kafka errors are logged
    /// once each and waited out: librdkafka reconnects by itself.
    pub async fn next(&mut self) -> ReaderEvent {
        loop {
            if !self.queued.is_empty() {
                return self.queued.remove(0);
            }
            if self.behind.is_empty() && !self.caught_up_said {
                self.caught_up_said = true;
                return ReaderEvent::CaughtUp;
            }
            tokio::select! {
                received = self.consumer.recv() => match received {
                    Ok(message) => {
                        self.errors.clear();
                        let record = self.shape.to_record(&message);
                        self.next.insert(record.partition, record.offset.saturating_add(1));
                        if self.behind.get(&record.partition).is_some_and(|end| record.offset + 1 >= *end) {
                            self.behind.remove(&record.partition);
                        }
                        return ReaderEvent::Record(record);
                    }
                    Err(KafkaError::PartitionEOF(partition)) => {
                        self.behind.remove(&partition);
                    }
                    Err(error) if error.rdkafka_error_code() == Some(RDKafkaErrorCode::AutoOffsetReset) => {
                        if let Err(error) = self.repair().await {
                            self.log_once(error.to_string()).await;
                        }
                    }
                    Err(error) => self.log_once(ClientError(error).to_string()).await,
                },
                _ = self.new_partitions.tick() => {
                    if let Err(error) = self.add_new_partitions().await {
                        tracing::debug!(%error, "page reader cannot look for new partitions now");
                    }
                }
            }
        }
    }

    async fn log_once(&mut self, text: String) {
        self.errors
            .error(
                text,
                Duration::from_millis(100),
                |text| tracing::warn!(error = %text, "page reader error"),
            )
            .await;
    }

    async fn repair(&mut self) -> Result<(), ClientError> {
        let marks = self.catalogue.all_watermarks(&self.topic, self.next.keys().copied()).await?;
        let repairs = out_of_range::repairs(&self.topic, &self.next, &marks);
        if repairs.is_empty() {
            return Ok(());
        }
        for repair in repairs {
            self.next.insert(repair.partition(), repair.from());
            self.behind.remove(&repair.partition());
            self.queued.push(match repair {
                Repair::Missed { count, .. } => ReaderEvent::Missed(count),
                Repair::Reset { partition, low, reason } => {
                    ReaderEvent::View { from: vec![Placed { partition, offset: low }], reset: Some(reason) }
                }
            });
        }
        let mut assignment = TopicPartitionList::new();
        for (&partition, &offset) in &self.next {
            assignment.add_partition_offset(&self.topic, partition, Offset::Offset(offset))?;
        }
        self.consumer.assign(&assignment)?;
        Ok(())
    }

    async fn add_new_partitions(&mut self) -> Result<(), ClientError> {
        let Some(partitions) = self.catalogue.partition_ids(&self.topic).await? else { return Ok(()) };
        let added: Vec<i32> = partitions.into_iter().filter(|p| !self.next.contains_key(p)).collect();
        if added.is_empty() {
            return Ok(());
        }
        let marks = self.catalogue.all_watermarks(&self.topic, added.iter().copied()).await?;
        let mut assignment = TopicPartitionList::new();
        let mut from = Vec::new();
        for (&partition, &(low, _)) in &marks {
            assignment.add_partition_offset(&self.topic, partition, Offset::Offset(low))?;
            self.next.insert(partition, low);
            from.push(Placed { partition, offset: low });
        }
        self.consumer.incremental_assign(&assignment)?;
        self.queued.push(ReaderEvent::View { from, reset: None });
        Ok(())
    }
}
