//! The cluster's topics as the page sees them (selector, partition picker), and why listing or
//! creating one was refused. The server functions are `crate::api::{list_topics, create_topic}`.

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
    /// Whether the page may offer to create a topic that does not exist.
    #[serde(default)]
    pub can_create_topics: bool,
    /// Which topics this page may read and write.
    #[serde(default)]
    pub access: crate::wire::topic_access::TopicAccess,
    /// Said at start-up and in the page's status when `acks=all` can mean a single copy of a
    /// record in the configured topic (see `server::kafka::durability`).
    #[serde(default)]
    pub durability_warning: Option<String>,
    /// The schemas the producer box can encode with (see `server::schemas`).
    #[serde(default)]
    pub subjects: Vec<crate::wire::schema::Subject>,
    /// Whether the page offers to download the feed (`access.export`).
    #[serde(default)]
    pub export: bool,
    /// Where the cluster is, for "Copy as …" commands: no secret is ever in it.
    #[serde(default)]
    pub connection: Connection,
}

/// What a command-line client needs to reach the cluster, minus the secrets: a copied command
/// puts placeholders where those go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub bootstrap_servers: String,
    /// `security.protocol` when it is not plaintext (`SASL_SSL` for Confluent Cloud).
    #[serde(default)]
    pub security_protocol: Option<String>,
    /// `sasl.mechanism` (`PLAIN` for Confluent Cloud).
    #[serde(default)]
    pub sasl_mechanism: Option<String>,
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
    #[error("{0}")]
    NotAllowed(String),
    #[error("This kafka-live does not create topics (access.create-topics is off).")]
    CreateTurnedOff,
    #[error(
        "Too many topics created from this address: the limit is {per_minute} a minute. Try again in {retry_after_seconds} s."
    )]
    RateLimited { per_minute: u32, retry_after_seconds: u64 },
    #[error("The request did not reach the server: {0}")]
    Request(String),
}

impl TopicsError {
    /// The HTTP status that says why (applied by the server in one place).
    pub fn status(&self) -> u16 {
        match self {
            TopicsError::BadName(_) | TopicsError::Request(_) => 400,
            TopicsError::ReadOnly | TopicsError::NotAllowed(_) | TopicsError::CreateTurnedOff => 403,
            TopicsError::RateLimited { .. } => 429,
            TopicsError::Create { .. } => 503,
        }
    }

    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            TopicsError::RateLimited { retry_after_seconds, .. } => Some(*retry_after_seconds),
            _ => None,
        }
    }
}

impl FromServerFnError for TopicsError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        TopicsError::Request(value.to_string())
    }
}
