//! Which consumer groups read a topic, for the panel's chooser: the configured group first
//! (the console consumer's, whether or not it has committed yet), then every group that holds
//! partitions of the topic or has committed offsets on it.
//!
//! Kafka answers "which groups" with ListGroups and DescribeGroups, but "offsets on this topic"
//! only one group at a time (OffsetFetch), so an empty group costs one request to check, all of
//! them in flight at once from one client (`committed_by_groups`). The answer is kept for a few
//! seconds per topic, however many pages ask.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rdkafka::consumer::{BaseConsumer, Consumer};

use super::inspect::unsupported;
use super::{assignment, committed_by_groups};
use crate::server::config::settings::KafkaSettings;
use crate::server::kafka::METADATA_TIMEOUT;
use crate::server::kafka::catalogue::TopicCatalogue;
use crate::server::kafka::context::KafkaContext;
use crate::server::kafka::error::ClientError;
use crate::wire::consumers::{GroupId, GroupList};

/// How long a topic's list of groups is reused.
const FRESH_FOR: Duration = Duration::from_secs(3);
/// Empty groups checked for offsets on the topic, at most, per list.
const MAX_CHECKED: usize = 100;

pub struct GroupListing {
    catalogue: Arc<TopicCatalogue>,
    configured: GroupId,
    lister: Arc<BaseConsumer<KafkaContext>>,
    cached: Mutex<HashMap<String, (Instant, GroupList)>>,
}

impl GroupListing {
    pub fn new(
        settings: &KafkaSettings,
        catalogue: Arc<TopicCatalogue>,
        configured: GroupId,
    ) -> Result<Self, ClientError> {
        let lister = settings.client_config().create_with_context(KafkaContext::default())?;
        Ok(Self { catalogue, configured, lister: Arc::new(lister), cached: Mutex::new(HashMap::new()) })
    }

    pub fn configured(&self) -> &GroupId {
        &self.configured
    }

    /// The groups on `topic`. Never fails: what the cluster could not say is in `unavailable`.
    pub async fn groups_on(&self, topic: &str) -> GroupList {
        if let Some((at, list)) = self.cached.lock().get(topic)
            && at.elapsed() < FRESH_FOR
        {
            return list.clone();
        }
        let list = self.ask(topic).await;
        self.cached.lock().insert(topic.to_owned(), (Instant::now(), list.clone()));
        list
    }

    async fn ask(&self, topic: &str) -> GroupList {
        let only_configured = |reason: String| GroupList {
            configured: self.configured.clone(),
            others: Vec::new(),
            unavailable: Some(reason),
        };
        let partitions = match self.catalogue.partition_ids(topic).await {
            Ok(Some(partitions)) => partitions,
            Ok(None) => return only_configured(format!("Topic {topic} does not exist.")),
            Err(error) => return only_configured(format!("Kafka did not answer: {error}")),
        };
        let (lister, configured, topic) =
            (Arc::clone(&self.lister), self.configured.clone(), topic.to_owned());
        let asked = tokio::task::spawn_blocking(move || {
            let list = lister.fetch_group_list(None, METADATA_TIMEOUT)?;
            let mut others = Vec::new();
            let mut empty = Vec::new();
            for group in list.groups() {
                let Ok(id) = GroupId::parse(group.name()) else { continue };
                if id == configured || !matches!(group.protocol_type(), "consumer" | "") {
                    continue;
                }
                let holds_partitions = group.members().iter().any(|member| {
                    member
                        .assignment()
                        .and_then(|bytes| assignment::partitions_of(bytes, &topic))
                        .is_some_and(|partitions| !partitions.is_empty())
                });
                if holds_partitions {
                    others.push(id);
                } else if empty.len() < MAX_CHECKED {
                    empty.push(id);
                }
            }
            // The rest only count if they committed offsets on the topic: all asked at once.
            match committed_by_groups::with_offsets_on(
                lister.client(),
                &topic,
                &partitions,
                &empty,
                METADATA_TIMEOUT,
            ) {
                Ok(committed) => others.extend(committed),
                Err(error) if others.is_empty() => return Err(error),
                Err(error) => tracing::debug!(%error, "which empty groups committed on the topic"),
            }
            others.sort();
            Ok::<_, rdkafka::error::KafkaError>(others)
        })
        .await;
        match asked {
            Ok(Ok(others)) => GroupList { configured: self.configured.clone(), others, unavailable: None },
            Ok(Err(error)) if unsupported(&error) => {
                only_configured(format!("This cluster does not list consumer groups ({error})."))
            }
            Ok(Err(error)) => only_configured(format!("Kafka did not answer: {error}")),
            Err(_) => only_configured("listing the groups failed".into()),
        }
    }
}
