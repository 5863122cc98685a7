//! The topics server functions' work: the cluster's topics as this page may see them, and
//! creating one, with the page's rules (read-only, access patterns, turned off, rate).

use std::sync::Arc;
use std::time::Instant;

use crate::server::http::rate_limit::RateLimiter;
use crate::server::kafka::catalogue::{Ensured, FRESH_FOR, NewTopicShape, TopicCatalogue};
use crate::server::produce::gate::client_address;
use crate::wire::topic_access::TopicAccess;
use crate::wire::topic_name::TopicName;
use crate::wire::topics::{Catalogue, TopicInfo, TopicsError};

/// Provided in the server functions' Leptos context.
pub struct TopicsContext {
    pub catalogue: Arc<TopicCatalogue>,
    pub topics: TopicAccess,
    pub default_topic: String,
    pub shape: NewTopicShape,
    pub display_limit_bytes: usize,
    pub read_only: bool,
    pub create_topics: bool,
    /// Topics a client may create a minute, and its limiter.
    pub creates: Option<(u32, RateLimiter)>,
    /// The configured topic's durability warning, found at start-up.
    pub durability_warning: Option<String>,
    pub subjects: Vec<crate::wire::schema::Subject>,
    pub export: bool,
    pub connection: crate::wire::topics::Connection,
}

fn context() -> Arc<TopicsContext> {
    leptos::prelude::expect_context::<Arc<TopicsContext>>()
}

pub async fn for_page() -> Catalogue {
    let ctx = context();
    let (topics, topics_error) = match ctx.catalogue.topics(FRESH_FOR).await {
        Ok(topics) => (
            topics
                .iter()
                .filter(|t| ctx.topics.visible(&t.name))
                .map(|t| TopicInfo { name: t.name.clone(), partitions: t.partitions })
                .collect(),
            None,
        ),
        Err(error) => (Vec::new(), Some(format!("cannot list the cluster's topics: {error}"))),
    };
    Catalogue {
        default_topic: ctx.default_topic.clone(),
        topics,
        topics_error,
        display_limit_bytes: ctx.display_limit_bytes,
        read_only: ctx.read_only,
        access: ctx.topics.clone(),
        can_create_topics: ctx.create_topics && !ctx.read_only,
        durability_warning: ctx.durability_warning.clone(),
        subjects: ctx.subjects.clone(),
        export: ctx.export,
        connection: ctx.connection.clone(),
    }
}

pub async fn create(name: &str) -> Result<TopicInfo, TopicsError> {
    let ctx = context();
    if ctx.read_only {
        return Err(TopicsError::ReadOnly);
    }
    if !ctx.create_topics {
        return Err(TopicsError::CreateTurnedOff);
    }
    let name = TopicName::parse(name).map_err(TopicsError::BadName)?;
    ctx.topics.check(name.as_str()).map_err(TopicsError::NotAllowed)?;
    if let Some((per_minute, limiter)) = &ctx.creates {
        limiter.check(client_address(), Instant::now(), 1.0).map_err(|wait| TopicsError::RateLimited {
            per_minute: *per_minute,
            retry_after_seconds: wait.as_secs_f64().ceil().max(1.0) as u64,
        })?;
    }
    let ensured = ctx
        .catalogue
        .ensure_topic(name.as_str(), ctx.shape)
        .await
        .map_err(|error| TopicsError::Create { topic: name.to_string(), reason: error.to_string() })?;
    if matches!(ensured, Ensured::Created) {
        tracing::info!(topic = %name, partitions = ctx.shape.partitions, "created topic for a page");
    }
    let partitions = ctx.catalogue.partitions(name.as_str()).await.ok().flatten();
    Ok(TopicInfo { name: name.to_string(), partitions: partitions.unwrap_or(ctx.shape.partitions) })
}
