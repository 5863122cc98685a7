//! The feed: one consumer per server process reading every partition of the topic.
//!
//! It assigns partitions instead of joining a group, so every server instance shows the whole
//! stream and the first record arrives without waiting for a group rebalance. It commits
//! nothing: the live view is a reader, not a worker. `supervisor` runs it, and starts it
//! again where it left off if it ever ends.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use crate::server::config::settings::KafkaSettings;
use crate::server::feed::hub::Hub;
use crate::server::kafka::catalogue::{NewTopicShape, TopicCatalogue};
use crate::server::kafka::context::KafkaContext;
use crate::server::kafka::error::{ClientError, SayOnce};
use crate::server::kafka::out_of_range::{self, Repair};
use crate::server::kafka::reader::reader_config;
use crate::server::kafka::record::RecordShape;
use crate::server::metrics::metrics;
use crate::server::metrics::statistics::Client;
use crate::wire::frame::FeedState;
use crate::wire::receipt::Placed;
use crate::wire::record::FeedRecord;

const RETRY_EVERY: Duration = Duration::from_secs(1);
/// How often the feed looks for partitions added to its topic.
const NEW_PARTITIONS_EVERY: Duration = Duration::from_secs(2);

/// Called with every record before it is published; tests use it to fail the feed from the
/// inside, exactly where a bad record would.
pub type RecordHook = Arc<dyn Fn(&FeedRecord) + Send + Sync>;

/// What the feed needs, shared with its supervisor.
#[derive(Clone)]
pub struct FeedContext {
    pub settings: KafkaSettings,
    pub hub: Arc<Hub>,
    pub catalogue: Arc<TopicCatalogue>,
    pub hook: Option<RecordHook>,
    /// The record being handled, if any: the supervisor's answer to "where did it fail?".
    pub current: Arc<Mutex<Option<Placed>>>,
}

/// Reads the topic into the hub until the task is aborted (or fails; the supervisor then runs
/// it again). Records at `pass_over` are published as unreadable instead of read.
pub async fn run(ctx: FeedContext, mut pass_over: HashMap<Placed, String>) {
    let hub = &ctx.hub;
    let topic = ctx.settings.topic.clone();
    let records = RecordShape::of(&ctx.settings);
    let consumer = loop {
        match create_consumer(&ctx.settings) {
            Ok(consumer) => break Arc::new(consumer),
            Err(error) => {
                let error = ClientError(error);
                tracing::error!(%error, "cannot create the feed consumer");
                hub.set_feed_state(FeedState::Waiting { reason: error.to_string() });
                tokio::time::sleep(RETRY_EVERY * 5).await;
            }
        }
    };
    let shape = NewTopicShape {
        partitions: ctx.settings.partitions,
        replication_factor: ctx.settings.replication_factor,
    };
    let mut wait = Duration::from_millis(50);
    let mut next = loop {
        let started = async {
            ctx.catalogue.ensure_topic(&topic, shape).await.map_err(|error| error.to_string())?;
            assign_all(&ctx, &consumer).await.map_err(|error| error.to_string())
        };
        match started.await {
            Ok(next) => break next,
            Err(reason) => {
                tracing::warn!(%topic, %reason, "live feed waiting for the broker");
                hub.set_feed_state(FeedState::Waiting { reason });
                // A topic created a moment ago has its partitions' leaders within milliseconds;
                // a broker that is down takes longer: retries start quick and slow down.
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_EVERY);
            }
        }
    };
    tracing::info!(%topic, partitions = next.len(), "live feed reading every partition");
    hub.feed_starts_at(next.iter().map(|(&p, &o)| (p, o)));
    hub.set_feed_state(FeedState::Reading);

    let mut new_partitions = tokio::time::interval(NEW_PARTITIONS_EVERY);
    let mut errors = SayOnce::default();
    let mut consumed = std::collections::HashMap::new();
    loop {
        tokio::select! {
            received = consumer.recv() => match received {
                Ok(message) => {
                    errors.clear();
                    let placed = Placed { partition: message.partition(), offset: message.offset() };
                    next.insert(placed.partition, placed.offset.saturating_add(1));
                    consumed
                        .entry(placed.partition)
                        .or_insert_with(|| metrics().consumed(&topic, placed.partition))
                        .inc();
                    if let Some(reason) = pass_over.remove(&placed) {
                        tracing::error!(partition = placed.partition, offset = placed.offset, %reason, "passing over a record that failed twice");
                        hub.publish_unreadable(placed.partition, placed.offset, reason);
                        metrics().records_skipped.inc();
                        continue;
                    }
                    *ctx.current.lock() = Some(placed);
                    let record = records.to_record(&message);
                    if let Some(hook) = &ctx.hook {
                        hook(&record);
                    }
                    hub.publish(&record);
                    *ctx.current.lock() = None;
                }
                Err(error) if error.rdkafka_error_code() == Some(RDKafkaErrorCode::AutoOffsetReset) => {
                    if let Err(error) = repair(&ctx, &consumer, &mut next).await {
                        tracing::warn!(%error, "cannot repair the feed's positions yet");
                        tokio::time::sleep(RETRY_EVERY).await;
                    }
                }
                Err(error) => {
                    errors
                        .error(ClientError(error).to_string(), Duration::from_millis(100), |text| {
                            tracing::warn!(error = %text, "live feed consumer error")
                        })
                        .await
                }
            },
            _ = new_partitions.tick() => {
                if let Err(error) = add_new_partitions(&ctx, &consumer, &mut next).await {
                    tracing::debug!(%error, "cannot look for new partitions now");
                }
            }
        }
    }
}

fn create_consumer(settings: &KafkaSettings) -> Result<StreamConsumer<KafkaContext>, KafkaError> {
    // librdkafka needs a group id even to assign; with assign it never joins the group, and
    // with commits off the group never appears on the cluster.
    let mut config = reader_config(settings, "kafka-live-feed");
    config.set("statistics.interval.ms", settings.statistics_interval_ms.to_string());
    config.create_with_context(KafkaContext::reporting_as(Client::Feed))
}

/// Assigns every partition: where the hub left off for those it knows (a restarted feed goes
/// on from there), else far enough back to fill the backlog. Returns where each starts.
async fn assign_all(
    ctx: &FeedContext,
    consumer: &StreamConsumer<KafkaContext>,
) -> Result<BTreeMap<i32, i64>, ClientError> {
    let topic = &ctx.settings.topic;
    let partitions = ctx.catalogue.partition_ids(topic).await?.unwrap_or_default();
    if partitions.is_empty() {
        return Err(ClientError(KafkaError::MetadataFetch(RDKafkaErrorCode::UnknownTopicOrPartition)));
    }
    let marks = ctx.catalogue.all_watermarks(topic, partitions.iter().copied()).await?;
    let known = ctx.hub.next_offsets();
    let backlog = i64::try_from(ctx.settings.backlog).unwrap_or(i64::MAX);
    let mut next: BTreeMap<i32, i64> = marks
        .iter()
        .map(|(&partition, &(low, high))| {
            let start = known.get(&partition).copied().unwrap_or(high.saturating_sub(backlog).max(low));
            (partition, start)
        })
        .collect();
    // Where the hub left off may no longer be in the log (deleted, or a new topic).
    apply_repairs(ctx, &mut next, &marks);
    assign(consumer, topic, &next)?;
    Ok(next)
}

fn assign(
    consumer: &StreamConsumer<KafkaContext>,
    topic: &str,
    next: &BTreeMap<i32, i64>,
) -> Result<(), ClientError> {
    let mut assignment = TopicPartitionList::new();
    for (&partition, &offset) in next {
        assignment.add_partition_offset(topic, partition, Offset::Offset(offset))?;
    }
    consumer.assign(&assignment)?;
    Ok(())
}

/// After an out-of-range error: tell the pages, and read each partition from where its log is.
async fn repair(
    ctx: &FeedContext,
    consumer: &StreamConsumer<KafkaContext>,
    next: &mut BTreeMap<i32, i64>,
) -> Result<(), ClientError> {
    let topic = &ctx.settings.topic;
    let marks = ctx.catalogue.all_watermarks(topic, next.keys().copied()).await?;
    if apply_repairs(ctx, next, &marks) {
        // Re-assigning restarts the fetch of every partition, the stopped ones included.
        assign(consumer, topic, next)?;
    }
    Ok(())
}

fn apply_repairs(
    ctx: &FeedContext,
    next: &mut BTreeMap<i32, i64>,
    marks: &BTreeMap<i32, (i64, i64)>,
) -> bool {
    let repairs = out_of_range::repairs(&ctx.settings.topic, next, marks);
    for repair in &repairs {
        next.insert(repair.partition(), repair.from());
        match repair {
            Repair::Missed { partition, count, low } => {
                tracing::warn!(
                    partition,
                    count,
                    "records deleted before the feed read them; the pages are told"
                );
                ctx.hub.publish_missed(*partition, *low, *count);
            }
            Repair::Reset { partition, low, reason } => {
                tracing::warn!(partition, %reason, "partition reset");
                ctx.hub.reset_partition(*partition, *low, reason.clone());
            }
        }
    }
    !repairs.is_empty()
}

/// Partitions added to the topic while the feed runs are read from their start.
async fn add_new_partitions(
    ctx: &FeedContext,
    consumer: &StreamConsumer<KafkaContext>,
    next: &mut BTreeMap<i32, i64>,
) -> Result<(), ClientError> {
    let topic = &ctx.settings.topic;
    let Some(partitions) = ctx.catalogue.partition_ids(topic).await? else { return Ok(()) };
    let added: Vec<i32> = partitions.into_iter().filter(|p| !next.contains_key(p)).collect();
    if added.is_empty() {
        return Ok(());
    }
    let marks = ctx.catalogue.all_watermarks(topic, added.iter().copied()).await?;
    let mut assignment = TopicPartitionList::new();
    for (&partition, &(low, _)) in &marks {
        assignment.add_partition_offset(topic, partition, Offset::Offset(low))?;
        next.insert(partition, low);
    }
    consumer.incremental_assign(&assignment)?;
    tracing::info!(%topic, ?added, "live feed reading partitions added to the topic");
    ctx.hub.feed_starts_at(marks.iter().map(|(&p, &(low, _))| (p, low)));
    Ok(())
}
