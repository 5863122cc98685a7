//! The cluster's topics as the server knows them: one admin client for the whole server, and
//! one metadata list cached briefly, shared by the page's topic selector, the produce check,
//! the feed and every page reader (which watch it for partitions added while they run).
//!
//! Topics are listed with a Metadata request for every topic, never for one by name: some
//! brokers (nisshi among them) create a topic they are asked about by name.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::context::KafkaContext;
use super::error::ClientError;
use crate::server::config::settings::KafkaSettings;
use crate::server::kafka::durability;

use super::METADATA_TIMEOUT;
/// How old a topic list may be: fresh enough to notice a new partition within seconds, and one
/// Metadata request per interval however many pages and produces ask.
pub const FRESH_FOR: Duration = Duration::from_secs(2);

/// A topic as the cluster describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    pub name: String,
    pub partitions: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    #[error("cannot reach Kafka at {bootstrap}: {source}")]
    Unreachable { bootstrap: String, source: ClientError },
    #[error("cannot create topic `{topic}`: {reason}")]
    Create { topic: String, reason: String },
}

pub enum Ensured {
    Existed,
    Created,
}

/// What creating a topic takes.
#[derive(Debug, Clone, Copy)]
pub struct NewTopicShape {
    pub partitions: i32,
    /// `None` leaves it to the broker's default.
    pub replication_factor: Option<i32>,
}

pub struct TopicCatalogue {
    admin: Arc<AdminClient<KafkaContext>>,
    bootstrap: String,
    /// The list, and when the request that fetched it started.
    cached: Mutex<Option<(Instant, Arc<Vec<TopicMetadata>>)>>,
    /// One fetch at a time: requests that need a newer list than the cache wait for the fetch
    /// under way instead of each sending their own.
    fetching: tokio::sync::Mutex<()>,
}

impl TopicCatalogue {
    pub fn new(settings: &KafkaSettings) -> Result<Self, ClientError> {
        let admin = settings.client_config().create_with_context(KafkaContext::default())?;
        Ok(Self {
            admin: Arc::new(admin),
            bootstrap: settings.bootstrap_servers().to_owned(),
            cached: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// Every topic of the cluster (internal ones too; who may see which is the caller's
    /// business), from a list no older than `fresh_for`.
    pub async fn topics(&self, fresh_for: Duration) -> Result<Arc<Vec<TopicMetadata>>, ClientError> {
        let now = Instant::now();
        self.topics_fetched_after(now.checked_sub(fresh_for).unwrap_or(now)).await
    }

    /// A list whose fetch started at `since` or later: it knows of every topic created before.
    async fn topics_fetched_after(&self, since: Instant) -> Result<Arc<Vec<TopicMetadata>>, ClientError> {
        if let Some(topics) = self.cached_since(since) {
            return Ok(topics);
        }
        let _turn = self.fetching.lock().await;
        if let Some(topics) = self.cached_since(since) {
            return Ok(topics);
        }
        let started = Instant::now();
        let topics = self
            .blocking(|admin| {
                let metadata = admin.inner().fetch_metadata(None, METADATA_TIMEOUT)?;
                let mut topics: Vec<TopicMetadata> = metadata
                    .topics()
                    .iter()
                    .filter(|t| t.error().is_none())
                    .map(|t| TopicMetadata {
                        name: t.name().to_owned(),
                        partitions: t.partitions().len() as i32,
                    })
                    .collect();
                topics.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(topics)
            })
            .await?;
        let topics = Arc::new(topics);
        *self.cached.lock() = Some((started, Arc::clone(&topics)));
        Ok(topics)
    }

    fn cached_since(&self, since: Instant) -> Option<Arc<Vec<TopicMetadata>>> {
        self.cached.lock().as_ref().filter(|(at, _)| *at >= since).map(|(_, topics)| Arc::clone(topics))
    }

    /// How many partitions `topic` has (`None`: no such topic), from a recent list.
    pub async fn partitions(&self, topic: &str) -> Result<Option<i32>, ClientError> {
        self.partitions_with(topic, 0).await
    }

    /// The same, when the caller needs `partition` to exist: a list that lacks it (or the topic)
    /// is fetched again, since both may have been added since. Only one fetch runs at a time,
    /// so requests naming unknown topics cost the cluster one Metadata request per round, not
    /// one each.
    pub async fn partitions_with(&self, topic: &str, partition: i32) -> Result<Option<i32>, ClientError> {
        let asked = Instant::now();
        fn find(topics: &[TopicMetadata], topic: &str) -> Option<i32> {
            topics.iter().find(|t| t.name == topic).map(|t| t.partitions)
        }
        match find(&self.topics(FRESH_FOR).await?, topic) {
            Some(count) if partition < count => Ok(Some(count)),
            _ => Ok(find(&self.topics_fetched_after(asked).await?, topic)),
        }
    }

    /// The partition's low and high watermarks.
    pub async fn watermarks(&self, topic: &str, partition: i32) -> Result<(i64, i64), ClientError> {
        let topic = topic.to_owned();
        self.blocking(move |admin| admin.inner().fetch_watermarks(&topic, partition, METADATA_TIMEOUT)).await
    }

    /// Creates the topic unless it exists.
    pub async fn ensure_topic(&self, name: &str, shape: NewTopicShape) -> Result<Ensured, TopicError> {
        let unreachable = |source| TopicError::Unreachable { bootstrap: self.bootstrap.clone(), source };
        let topics = self.topics(Duration::ZERO).await.map_err(unreachable)?;
        if topics.iter().any(|t| t.name == name) {
            return Ok(Ensured::Existed);
        }
        let replication = TopicReplication::Fixed(shape.replication_factor.unwrap_or(-1));
        let new_topic = NewTopic::new(name, shape.partitions, replication);
        let options = AdminOptions::new().operation_timeout(Some(METADATA_TIMEOUT));
        let results = self
            .admin
            .create_topics([&new_topic], &options)
            .await
            .map_err(|error| unreachable(ClientError(error)))?;
        *self.cached.lock() = None;
        for result in results {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((topic, code)) => return Err(TopicError::Create { topic, reason: code.to_string() }),
            }
        }
        // A created topic reaches the cluster's metadata a moment later. Until a fresh list
        // holds it, any list fetched (and cached for `FRESH_FOR`) would omit it, and a page
        // loaded then would not offer the topic just made: seen on a busy machine.
        let deadline = Instant::now() + METADATA_TIMEOUT;
        while Instant::now() < deadline {
            match self.topics(Duration::ZERO).await {
                Ok(topics) if topics.iter().any(|t| t.name == name) => break,
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        Ok(Ensured::Created)
    }

    /// Whether `acks=all` can mean a single copy of a record in `topic` (see `durability`), for
    /// a topic `ensure_topic` has returned for (it waits until the metadata holds one it created).
    pub async fn durability_warning(&self, topic: &str) -> Result<Option<String>, ClientError> {
        let name = topic.to_owned();
        let (brokers, replication) = self
            .blocking(move |admin| {
                let metadata = admin.inner().fetch_metadata(None, METADATA_TIMEOUT)?;
                let replication = metadata
                    .topics()
                    .iter()
                    .find(|t| t.name() == name)
                    .and_then(|t| t.partitions().iter().map(|p| p.replicas().len()).min());
                Ok((metadata.brokers().len(), replication))
            })
            .await?;
        let Some(replication) = replication else { return Ok(None) };
        let options = AdminOptions::new().request_timeout(Some(METADATA_TIMEOUT));
        let configs = self.admin.describe_configs([&ResourceSpecifier::Topic(topic)], &options).await?;
        let min_insync = configs.into_iter().filter_map(Result::ok).find_map(|config| {
            config.get("min.insync.replicas").and_then(|e| e.value.as_deref()?.parse().ok())
        });
        Ok(durability::single_copy_warning(topic, brokers, replication, min_insync))
    }

    /// librdkafka blocks in these calls; they run off the async workers.
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&AdminClient<KafkaContext>) -> Result<T, KafkaError> + Send + 'static,
    ) -> Result<T, ClientError> {
        let admin = Arc::clone(&self.admin);
        match tokio::task::spawn_blocking(move || call(&admin)).await {
            Ok(result) => result.map_err(ClientError),
            Err(join) => {
                Err(ClientError(KafkaError::MetadataFetch(RDKafkaErrorCode::Fail))).inspect_err(|_| {
                    tracing::error!(error = %join, "a Kafka metadata call failed inside its thread");
                })
            }
        }
    }

    /// Where the feed and readers learn of partitions added while they run.
    pub async fn partition_ids(&self, topic: &str) -> Result<Option<Vec<i32>>, ClientError> {
        Ok(self.partitions(topic).await?.map(|count| (0..count).collect()))
    }

    /// Every partition's watermarks, for a reader that starts or repairs its positions.
    pub async fn all_watermarks(
        &self,
        topic: &str,
        partitions: impl IntoIterator<Item = i32>,
    ) -> Result<BTreeMap<i32, (i64, i64)>, ClientError> {
        let mut all = BTreeMap::new();
        for partition in partitions {
            all.insert(partition, self.watermarks(topic, partition).await?);
        }
        Ok(all)
    }
}
