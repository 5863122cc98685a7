//! The Kafka requests that look at one consumer group on one topic, and the one that moves it.
//!
//! A `GroupClient` is a consumer configured with the group's id that never subscribes, so it
//! never joins the group, and never commits unless told to (`commit`): OffsetFetch and
//! OffsetCommit name the group through it. rdkafka (0.39) offers no admin call for a group's
//! offsets, and librdkafka's own `ListConsumerGroupOffsets` is not wrapped; this is what the
//! crate does offer. Every call blocks, so callers run them off the async workers.
//!
//! One look costs: a ListGroups per broker and a DescribeGroups (state and members), an
//! OffsetFetch (committed offsets), a ListOffsets per partition leader (log ends) and, only
//! when a lagging partition's committed offset moved, a Fetch for the oldest unconsumed
//! record's timestamp.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::Message;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use super::assignment;
use crate::server::config::settings::KafkaSettings;
use crate::server::kafka::METADATA_TIMEOUT;
use crate::server::kafka::context::KafkaContext;
use crate::server::kafka::error::ClientError;
use crate::wire::consumers::{GroupId, GroupMember, GroupState};

/// How long a look waits for the oldest unconsumed record of each lagging partition.
const TIMESTAMP_WAIT: Duration = Duration::from_millis(500);

pub struct GroupClient {
    consumer: BaseConsumer<KafkaContext>,
    group: GroupId,
}

/// The group as DescribeGroups tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub state: GroupState,
    /// Every member, with the partitions of the topic asked about.
    pub members: Vec<GroupMember>,
}

impl GroupClient {
    pub fn new(settings: &KafkaSettings, group: &GroupId) -> Result<Self, ClientError> {
        let consumer = settings
            .reporting_client_config()
            .set("group.id", group.as_str())
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "false")
            // The record at a committed offset the log no longer holds: the first one it does.
            .set("auto.offset.reset", "earliest")
            .set("fetch.wait.max.ms", "100")
            .set("queued.min.messages", "1")
            .create_with_context(KafkaContext::counting_requests())?;
        Ok(Self { consumer, group: group.clone() })
    }

    pub fn group(&self) -> &GroupId {
        &self.group
    }

    /// State and members. A group no broker lists does not exist: `Dead`, as Kafka says.
    pub fn describe(&self, topic: &str) -> KafkaResult<Description> {
        // Serves the client's queue, so its statistics (the request counter) are delivered;
        // nothing is assigned, so no record can arrive here.
        let _ = self.consumer.poll(Duration::ZERO);
        let list = self.consumer.fetch_group_list(Some(self.group.as_str()), METADATA_TIMEOUT)?;
        let Some(info) = list.groups().iter().find(|g| g.name() == self.group.as_str()) else {
            return Ok(Description { state: GroupState::Dead, members: Vec::new() });
        };
        let mut members: Vec<GroupMember> = info
            .members()
            .iter()
            .map(|member| GroupMember {
                client_id: member.client_id().to_owned(),
                host: member.client_host().trim_start_matches('/').to_owned(),
                partitions: member.assignment().and_then(|bytes| assignment::partitions_of(bytes, topic)),
            })
            .collect();
        let first = |member: &GroupMember| member.partitions.as_ref().and_then(|p| p.first().copied());
        members.sort_by(|a, b| first(a).cmp(&first(b)).then(a.client_id.cmp(&b.client_id)));
        Ok(Description { state: GroupState::from_kafka(info.state()), members })
    }

    /// The group's committed offset per partition; `None` where it has none.
    pub fn committed(&self, topic: &str, partitions: &[i32]) -> KafkaResult<BTreeMap<i32, Option<i64>>> {
        let mut list = TopicPartitionList::new();
        for &partition in partitions {
            list.add_partition(topic, partition);
        }
        let committed = self.consumer.committed_offsets(list, METADATA_TIMEOUT)?;
        Ok(partitions
            .iter()
            .map(|&partition| {
                let offset = committed.find_partition(topic, partition).and_then(|p| match p.offset() {
                    Offset::Offset(offset) => Some(offset),
                    _ => None,
                });
                (partition, offset)
            })
            .collect())
    }

    /// Per partition, the offset of the first record at or after `at` (`Offset::End`: the log
    /// end, `Offset::Beginning`: the log start, `Offset::Offset(ms)`: a time), or the log end
    /// when there is none.
    pub fn offsets_at(&self, topic: &str, partitions: &[i32], at: Offset) -> KafkaResult<BTreeMap<i32, i64>> {
        let mut asked = TopicPartitionList::new();
        for &partition in partitions {
            asked.add_partition_offset(topic, partition, at)?;
        }
        let found = self.consumer.offsets_for_times(asked, METADATA_TIMEOUT)?;
        let mut ends = None;
        let mut offsets = BTreeMap::new();
        for &partition in partitions {
            let offset = match found.find_partition(topic, partition).map(|p| (p.offset(), p.error())) {
                Some((_, Err(error))) => return Err(error),
                Some((Offset::Offset(offset), _)) => offset,
                // No record at or after that time: the log end.
                _ if at != Offset::End => {
                    if ends.is_none() {
                        ends = Some(self.offsets_at(topic, partitions, Offset::End)?);
                    }
                    ends.as_ref().and_then(|ends| ends.get(&partition).copied()).unwrap_or(0)
                }
                _ => return Err(KafkaError::OffsetFetch(RDKafkaErrorCode::OffsetNotAvailable)),
            };
            offsets.insert(partition, offset);
        }
        Ok(offsets)
    }

    /// The timestamp (ms) of the record at each `(partition, offset)`, read by assignment; a
    /// partition whose record does not arrive in time is left out.
    pub fn timestamps_at(&self, topic: &str, at: &[(i32, i64)]) -> KafkaResult<BTreeMap<i32, i64>> {
        let mut list = TopicPartitionList::new();
        for &(partition, offset) in at {
            list.add_partition_offset(topic, partition, Offset::Offset(offset))?;
        }
        self.consumer.assign(&list)?;
        let mut found = BTreeMap::new();
        let deadline = Instant::now() + TIMESTAMP_WAIT;
        while found.len() < at.len() {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else { break };
            match self.consumer.poll(left) {
                Some(Ok(message)) => {
                    if let Some(ms) = message.timestamp().to_millis() {
                        found.entry(message.partition()).or_insert(ms);
                    }
                }
                Some(Err(error)) => tracing::debug!(%error, "reading a lagging record's timestamp"),
                None => break,
            }
        }
        self.consumer.unassign()?;
        Ok(found)
    }

    /// Commits these offsets for the group. Kafka refuses it while the group has members.
    pub fn commit(&self, topic: &str, offsets: &BTreeMap<i32, i64>) -> KafkaResult<()> {
        let mut list = TopicPartitionList::new();
        for (&partition, &offset) in offsets {
            list.add_partition_offset(topic, partition, Offset::Offset(offset))?;
        }
        self.consumer.commit(&list, CommitMode::Sync)
    }
}

/// Whether the cluster lacks the request rather than failing it this time (some Kafka-compatible
/// brokers do not implement every group API).
pub fn unsupported(error: &KafkaError) -> bool {
    matches!(
        error.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::UnsupportedVersion
                | RDKafkaErrorCode::UnsupportedFeature
                | RDKafkaErrorCode::InvalidRequest
        )
    )
}
