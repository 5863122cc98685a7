//! What the page's parts share: the topic in the address, the cluster's topics, the producer's
//! draft, the feed, the watched consumer group, and a counter bumped when a topic is created.

use leptos::prelude::*;

use super::feed::FeedState;
use super::producer_draft::ProducerDraft;
use crate::wire::consumers::GroupId;
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
}
