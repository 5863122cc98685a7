//! The cluster's topics as the page sees them: listed for the topic selector, checked before a
//! produce to a topic or partition the user chose, created on request.
//!
//! Topics are listed with a Metadata request for every topic, never for one by name: some
//! brokers (nisshi among them) create a topic they are asked about by name.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::admin::AdminClient;
use rdkafka::error::KafkaError;

use super::context::KafkaContext;
use super::error::ClientError;
use super::topic::{self, Ensured};
use crate::produce::ProduceError;
use crate::server::produce_request::ProduceRequest;
use crate::server::settings::KafkaSettings;
use crate::topic_name::TopicName;
use crate::topics::{Catalogue, TopicInfo, TopicsError};

const METADATA_TIMEOUT: Duration = Duration::from_secs(5);
/// A produce to a chosen topic or partition checks against a list at most this old.
const FRESH_FOR: Duration = Duration::from_secs(2);

pub struct TopicCatalogue {
    settings: KafkaSettings,
    admin: Arc<AdminClient<KafkaContext>>,
    display_limit_bytes: usize,
    read_only: bool,
    cached: Mutex<Option<(Instant, Arc<Vec<TopicInfo>>)>>,
}

impl TopicCatalogue {
    /// The admin client every catalogue of one server shares.
    pub fn admin(settings: &KafkaSettings) -> Result<Arc<AdminClient<KafkaContext>>, ClientError> {
        Ok(Arc::new(settings.client_config().create_with_context(KafkaContext::default())?))
    }

    pub fn new(
        settings: &KafkaSettings,
        admin: Arc<AdminClient<KafkaContext>>,
        display_limit_bytes: usize,
        read_only: bool,
    ) -> Self {
        Self { settings: settings.clone(), admin, display_limit_bytes, read_only, cached: Mutex::new(None) }
    }

    pub async fn for_page(&self) -> Catalogue {
        let (topics, topics_error) = match self.topics(Duration::ZERO).await {
            Ok(topics) => (topics.as_ref().clone(), None),
            Err(error) => (Vec::new(), Some(format!("cannot list the cluster's topics: {error}"))),
        };
        Catalogue {
            default_topic: self.settings.topic.clone(),
            topics,
            topics_error,
            display_limit_bytes: self.display_limit_bytes,
            read_only: self.read_only,
        }
    }

    /// Refuses a topic that does not exist and a partition the topic does not have. The
    /// configured topic with the partitioner's choice needs no check (start-up made sure of it).
    pub async fn check(&self, request: &ProduceRequest) -> Result<(), ProduceError> {
        if request.topic.is_none() && request.partition.is_none() {
            return Ok(());
        }
        let topic = request.topic.as_ref().map_or(self.settings.topic.as_str(), TopicName::as_str);
        // Unreachable cluster: let the producer report it, as for any produce.
        let Ok(topics) = self.topics(FRESH_FOR).await else { return Ok(()) };
        let Some(info) = topics.iter().find(|info| info.name == topic) else {
            return Err(ProduceError::UnknownTopic { topic: topic.to_owned() });
        };
        match request.partition {
            Some(partition) if partition >= info.partitions => Err(ProduceError::NoSuchPartition {
                topic: topic.to_owned(),
                partition,
                count: info.partitions,
            }),
            _ => Ok(()),
        }
    }

    pub async fn create(&self, name: &TopicName) -> Result<TopicInfo, TopicsError> {
        let settings = KafkaSettings { topic: name.as_str().to_owned(), ..self.settings.clone() };
        match topic::ensure_topic(&settings, METADATA_TIMEOUT).await {
            Ok(ensured) => {
                if matches!(ensured, Ensured::Created) {
                    tracing::info!(topic = %name, partitions = settings.partitions, "created topic for a page");
                }
                *self.cached.lock().expect("catalogue lock poisoned") = None;
                let partitions = match self.topics(Duration::ZERO).await {
                    Ok(topics) => topics.iter().find(|t| t.name == name.as_str()).map(|t| t.partitions),
                    Err(_) => None,
                };
                Ok(TopicInfo {
                    name: name.as_str().to_owned(),
                    partitions: partitions.unwrap_or(settings.partitions),
                })
            }
            Err(error) => {
                Err(TopicsError::Create { topic: name.as_str().to_owned(), reason: error.to_string() })
            }
        }
    }

    /// The cluster's topics, from a list no older than `fresh_for`.
    async fn topics(&self, fresh_for: Duration) -> Result<Arc<Vec<TopicInfo>>, ClientError> {
        if let Some((at, topics)) = self.cached.lock().expect("catalogue lock poisoned").as_ref()
            && at.elapsed() <= fresh_for
        {
            return Ok(Arc::clone(topics));
        }
        let admin = Arc::clone(&self.admin);
        let topics = tokio::task::spawn_blocking(move || -> Result<Vec<TopicInfo>, KafkaError> {
            let metadata = admin.inner().fetch_metadata(None, METADATA_TIMEOUT)?;
            let mut topics: Vec<TopicInfo> = metadata
                .topics()
                .iter()
                .filter(|t| t.error().is_none() && !t.name().starts_with("__"))
                .map(|t| TopicInfo { name: t.name().to_owned(), partitions: t.partitions().len() as i32 })
                .collect();
            topics.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(topics)
        })
        .await
        .expect("metadata task panicked")?;
        let topics = Arc::new(topics);
        *self.cached.lock().expect("catalogue lock poisoned") = Some((Instant::now(), Arc::clone(&topics)));
        Ok(topics)
    }
}
