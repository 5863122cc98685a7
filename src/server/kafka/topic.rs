//! Makes sure the topic exists before anything produces to it.
//!
//! Some brokers auto-create a topic on first use with their own partition count (nisshi does
//! on Metadata); creating it explicitly gives the partition count the settings ask for.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::context::KafkaContext;
use super::error::ClientError;
use crate::server::settings::KafkaSettings;

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

pub async fn ensure_topic(settings: &KafkaSettings, timeout: Duration) -> Result<Ensured, TopicError> {
    let admin: Arc<AdminClient<KafkaContext>> = Arc::new(
        settings
            .client_config()
            .create_with_context(KafkaContext::default())
            .map_err(|source| unreachable(settings, source))?,
    );
    // Listing every topic (not asking for ours by name) does not trigger auto-creation.
    // librdkafka blocks for this call, so it runs off the async workers.
    let exists = {
        let admin = Arc::clone(&admin);
        let topic = settings.topic.clone();
        tokio::task::spawn_blocking(move || {
            let metadata = admin.inner().fetch_metadata(None, timeout)?;
            Ok(metadata.topics().iter().any(|t| t.name() == topic && t.error().is_none()))
        })
        .await
        .expect("metadata task panicked")
        .map_err(|source| unreachable(settings, source))?
    };
    if exists {
        return Ok(Ensured::Existed);
    }
    let replication = TopicReplication::Fixed(settings.replication_factor.unwrap_or(-1));
    let new_topic = NewTopic::new(&settings.topic, settings.partitions, replication);
    let options = AdminOptions::new().operation_timeout(Some(timeout));
    let results =
        admin.create_topics([&new_topic], &options).await.map_err(|source| unreachable(settings, source))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => return Err(TopicError::Create { topic, reason: code.to_string() }),
        }
    }
    Ok(Ensured::Created)
}

fn unreachable(settings: &KafkaSettings, source: KafkaError) -> TopicError {
    TopicError::Unreachable {
        bootstrap: settings.bootstrap_servers().to_owned(),
        source: ClientError(source),
    }
}
