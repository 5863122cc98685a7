//! What the page's parts share: the topic in the address, the cluster's topics, the producer's
//! draft, the feed, the watched consumer group, and a counter bumped when a topic is created.

use leptos::prelude::*;

use super::feed::FeedState;
use super::producer_draft::ProducerDraft;
use crate::wire::consumers::GroupId;
use crate::wire::feed_query::percent_encode;
use crate::wire::topics::{Catalogue, TopicsError};

#[derive(Clone, Copy)]
pub struct PageState {
    /// `None`: the configured topic.
    pub topic: Memo<Option<String>>,
    /// The consumer group the Consumers panel watches (`?group=`); `None`: the configured one.
    pub group: Memo<Option<GroupId>>,
    /// Loaded in the browser; `None` until it is.
    pub catalogue: LocalResource<Result<Catalogue, TopicsError>>,
    pub draft: ProducerDraft,
    pub feed: FeedState,
    /// Bumped when a topic is created, so a feed that was refused asks again.
    pub created: RwSignal<u32>,
}

impl PageState {
    pub fn loaded_catalogue(&self) -> Option<Catalogue> {
        self.catalogue.get().and_then(Result::ok)
    }

    /// This view on another topic (`None`: the configured one); the watched group stays.
    pub fn address_with_topic(&self, topic: Option<&str>) -> String {
        address(topic, self.group.get_untracked().as_ref())
    }

    /// This view watching another group (`None`: the configured one); the topic stays.
    pub fn address_with_group(&self, group: Option<&GroupId>) -> String {
        address(self.topic.get_untracked().as_deref(), group)
    }
}

/// The page's address: `/?topic=…&group=…`, each left out when it is the configured one, so a
/// link opens the same view.
fn address(topic: Option<&str>, group: Option<&GroupId>) -> String {
    let mut parts = Vec::new();
    // Topic names are ASCII letters, digits, `.`, `_` and `-`: nothing to escape.
    if let Some(topic) = topic {
        parts.push(format!("topic={topic}"));
    }
    if let Some(group) = group {
        parts.push(format!("group={}", percent_encode(group.as_str())));
    }
    if parts.is_empty() { "/".to_owned() } else { format!("/?{}", parts.join("&")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_names_only_what_is_not_configured() {
        let group = GroupId::parse("kitchen group/2").unwrap();
        assert_eq!(address(None, None), "/");
        assert_eq!(address(Some("orders"), None), "/?topic=orders");
        assert_eq!(address(None, Some(&group)), "/?group=kitchen%20group%2F2");
        assert_eq!(address(Some("orders"), Some(&group)), "/?topic=orders&group=kitchen%20group%2F2");
    }
}
