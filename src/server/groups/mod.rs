//! The second half of the journey: consumer groups reading the topic on screen. One watcher per
//! (topic, group) looks at the group about once a second and pushes what it saw to every page
//! watching it (`watchers`); `inspect` holds the Kafka requests it makes; `listing` answers which
//! groups a topic has; `reset` moves an empty group's offsets.

pub mod assignment;
pub mod committed_by_groups;
pub mod inspect;
pub mod listing;
pub mod reset;
pub mod watchers;

use std::sync::Arc;

use crate::server::config::settings::KafkaSettings;
use crate::server::kafka::catalogue::TopicCatalogue;
use crate::wire::consumers::{GroupId, GroupList, ResetError, ResetReceipt, ResetTo};
use crate::wire::topic_access::TopicAccess;
use crate::wire::topic_name::TopicName;

/// What the groups server functions work with; provided in their Leptos context.
pub struct GroupsContext {
    pub settings: KafkaSettings,
    pub catalogue: Arc<TopicCatalogue>,
    pub listing: listing::GroupListing,
    pub topics: TopicAccess,
    pub read_only: bool,
}

impl GroupsContext {
    /// `topic` as the page sent it: `None` is the configured one.
    fn topic(&self, topic: Option<&str>) -> Result<String, ResetError> {
        match topic.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(self.settings.topic.clone()),
            Some(name) => {
                let name = TopicName::parse(name)
                    .map_err(|reason| ResetError::Invalid(format!("Topic: {reason}")))?;
                self.topics.check(name.as_str()).map_err(ResetError::Invalid)?;
                Ok(name.to_string())
            }
        }
    }
}

fn context() -> Arc<GroupsContext> {
    leptos::prelude::expect_context::<Arc<GroupsContext>>()
}

/// The chooser's groups for `topic`.
pub async fn list(topic: Option<&str>) -> Result<GroupList, ResetError> {
    let ctx = context();
    let topic = ctx.topic(topic)?;
    Ok(ctx.listing.groups_on(&topic).await)
}

/// A reset, from the form's fields.
pub async fn reset_from_form(
    topic: Option<&str>,
    group: &str,
    to: &str,
    value: &str,
) -> Result<ResetReceipt, ResetError> {
    let ctx = context();
    if ctx.read_only {
        return Err(ResetError::ReadOnly);
    }
    let topic = ctx.topic(topic)?;
    let group = GroupId::parse(group).map_err(ResetError::Invalid)?;
    let to = ResetTo::parse(to, value).map_err(ResetError::Invalid)?;
    reset::reset(&ctx, &topic, &group, to).await
}
