//! The cluster's topics, for the page's topic selector and partition picker, and creating a
//! topic the page was asked to show or produce to when it does not exist yet.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicInfo {
    pub name: String,
    pub partitions: i32,
}

/// What the page needs to know about the cluster and the server's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// The configured topic: what the page shows without `?topic=`.
    pub default_topic: String,
    /// The cluster's topics by name, without Kafka's internal ones (`__consumer_offsets`).
    pub topics: Vec<TopicInfo>,
    /// Why `topics` is empty when the cluster could not be asked.
    pub topics_error: Option<String>,
    /// Values longer than this many bytes show truncated, with "Show all".
    pub display_limit_bytes: usize,
    pub read_only: bool,
}

impl Catalogue {
    pub fn partitions_of(&self, topic: &str) -> Option<i32> {
        self.topics.iter().find(|t| t.name == topic).map(|t| t.partitions)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum TopicsError {
    #[error("{0}")]
    BadName(String),
    #[error("Cannot create topic {topic}: {reason}")]
    Create { topic: String, reason: String },
    #[error("This kafka-live is read-only: it does not create topics.")]
    ReadOnly,
    #[error("The request did not reach the server: {0}")]
    Request(String),
}

impl FromServerFnError for TopicsError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        TopicsError::Request(value.to_string())
    }
}

#[server(endpoint = "topics")]
pub async fn list_topics() -> Result<Catalogue, TopicsError> {
    let catalogue = expect_context::<std::sync::Arc<crate::server::kafka::catalogue::TopicCatalogue>>();
    Ok(catalogue.for_page().await)
}

/// Creates `name` with the configured partition count and replication factor.
#[server(endpoint = "create_topic")]
pub async fn create_topic(name: String) -> Result<TopicInfo, TopicsError> {
    let gate = expect_context::<std::sync::Arc<crate::server::produce_gate::ProduceGate>>();
    if gate.is_read_only() {
        return Err(TopicsError::ReadOnly);
    }
    let name = crate::topic_name::TopicName::parse(&name).map_err(TopicsError::BadName)?;
    let catalogue = expect_context::<std::sync::Arc<crate::server::kafka::catalogue::TopicCatalogue>>();
    catalogue.create(&name).await
}
