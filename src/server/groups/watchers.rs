//! One watcher per (topic, group), shared by every page that watches it: it takes a look about
//! once a second and keeps the newest, encoded once, in a `watch` channel each page's socket
//! reads. The watcher ends at its first tick with no page left, so an idle server asks the
//! cluster nothing about groups.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::Utf8Bytes;
use parking_lot::Mutex;
use rdkafka::Offset;
use rdkafka::error::KafkaError;
use tokio::sync::watch;

use super::inspect::{GroupClient, unsupported};
use crate::server::config::settings::KafkaSettings;
use crate::server::feed::frame::encode;
use crate::server::feed::socket::Looks;
use crate::server::kafka::catalogue::TopicCatalogue;
use crate::server::metrics::{Held, metrics};
use crate::wire::consumers::{GroupId, GroupView, GroupWatch, PartitionProgress};
use crate::wire::frame::ServerFrame;

type Key = (String, GroupId);

#[derive(Clone)]
pub struct GroupWatchers {
    inner: Arc<Inner>,
}

struct Inner {
    settings: KafkaSettings,
    catalogue: Arc<TopicCatalogue>,
    every: Duration,
    watched: Mutex<HashMap<Key, watch::Sender<Option<Utf8Bytes>>>>,
}

impl GroupWatchers {
    pub fn new(settings: &KafkaSettings, catalogue: Arc<TopicCatalogue>, every: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings: settings.clone(),
                catalogue,
                every,
                watched: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The looks at `group` on `topic`: from the watcher already running, or a new one.
    pub fn watch(&self, topic: &str, group: &GroupId) -> Looks {
        let key = (topic.to_owned(), group.clone());
        let mut watched = self.inner.watched.lock();
        if let Some(sender) = watched.get(&key) {
            return sender.subscribe();
        }
        let (sender, looks) = watch::channel(None);
        watched.insert(key.clone(), sender.clone());
        tokio::spawn(run(Arc::clone(&self.inner), key, sender));
        looks
    }

    /// Groups with a watcher now.
    pub fn watching(&self) -> usize {
        self.inner.watched.lock().len()
    }
}

/// What a watcher carries from one look to the next: its client, and the timestamp of each
/// lagging partition's oldest unconsumed record, read once per committed offset.
struct Watcher {
    client: GroupClient,
    oldest: BTreeMap<i32, (i64, i64)>,
}

async fn run(inner: Arc<Inner>, key: Key, sender: watch::Sender<Option<Utf8Bytes>>) {
    let _watching = Held::on(&metrics().groups_watched);
    let (topic, group) = &key;
    tracing::info!(%group, %topic, "watching a consumer group");
    let mut ticker = tokio::time::interval(inner.every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut watcher = None;
    let mut unavailable = false;
    loop {
        ticker.tick().await;
        {
            // Under the lock `watch` subscribes with: a page either finds this watcher running
            // or starts a new one.
            let mut watched = inner.watched.lock();
            if sender.receiver_count() == 0 {
                watched.remove(&key);
                tracing::info!(%group, %topic, "no page watches the consumer group any more");
                return;
            }
        }
        if unavailable {
            continue;
        }
        let (look, back) = take_look(&inner, watcher.take(), topic, group).await;
        watcher = back;
        metrics().group_looks.inc();
        unavailable = matches!(look, GroupWatch::Unavailable { .. });
        sender.send_replace(Some(encode(&ServerFrame::Group(look))));
    }
}

async fn take_look(
    inner: &Inner,
    watcher: Option<Watcher>,
    topic: &str,
    group: &GroupId,
) -> (GroupWatch, Option<Watcher>) {
    let failed = |reason: String| GroupWatch::Failed { group: group.clone(), reason };
    let partitions = match inner.catalogue.partition_ids(topic).await {
        Ok(Some(partitions)) => partitions,
        Ok(None) => return (failed(format!("Topic {topic} does not exist.")), watcher),
        Err(error) => return (failed(format!("Kafka did not answer: {error}")), watcher),
    };
    let mut watcher = match watcher {
        Some(watcher) => watcher,
        None => match GroupClient::new(&inner.settings, group) {
            Ok(client) => Watcher { client, oldest: BTreeMap::new() },
            Err(error) => return (failed(format!("cannot create a Kafka client: {error}")), None),
        },
    };
    let topic = topic.to_owned();
    let looked = tokio::task::spawn_blocking(move || {
        let look = look(&mut watcher, &topic, &partitions);
        (look, watcher)
    })
    .await;
    match looked {
        Ok((Ok(view), watcher)) => (GroupWatch::Watching(view), Some(watcher)),
        Ok((Err(error), watcher)) if unsupported(&error) => {
            tracing::warn!(%group, %error, "the cluster cannot describe consumer groups");
            let reason =
                format!("This cluster does not answer the requests the Consumers panel needs ({error}).");
            (GroupWatch::Unavailable { group: group.clone(), reason }, Some(watcher))
        }
        Ok((Err(error), watcher)) => {
            tracing::debug!(%group, %error, "a look at a consumer group failed");
            (failed(format!("Kafka did not answer: {error}")), Some(watcher))
        }
        Err(join) => {
            tracing::error!(error = %join, "a look at a consumer group failed inside its thread");
            (failed("the look failed; trying again".into()), None)
        }
    }
}

fn look(watcher: &mut Watcher, topic: &str, partitions: &[i32]) -> Result<GroupView, KafkaError> {
    let client = &watcher.client;
    let description = client.describe(topic)?;
    let committed = client.committed(topic, partitions)?;
    let starts = client.offsets_at(topic, partitions, Offset::Beginning)?;
    let ends = client.offsets_at(topic, partitions, Offset::End)?;
    let seen_at_ms = now_ms();
    let progress: Vec<PartitionProgress> = partitions
        .iter()
        .map(|&partition| PartitionProgress {
            partition,
            committed: committed.get(&partition).copied().flatten(),
            log_start: starts.get(&partition).copied().unwrap_or(0),
            log_end: ends.get(&partition).copied().unwrap_or(0),
        })
        .collect();
    // The oldest unconsumed record of each lagging partition sits where the group reads next;
    // its timestamp is read once, and again only when the group moves on.
    let lagging: Vec<(i32, i64)> =
        progress.iter().filter(|p| p.lag() > 0).map(|p| (p.partition, p.next_read())).collect();
    watcher.oldest.retain(|partition, (offset, _)| lagging.contains(&(*partition, *offset)));
    let unread: Vec<(i32, i64)> =
        lagging.iter().copied().filter(|(partition, _)| !watcher.oldest.contains_key(partition)).collect();
    if !unread.is_empty() {
        let found = client.timestamps_at(topic, &unread)?;
        for (partition, offset) in unread {
            if let Some(&ms) = found.get(&partition) {
                watcher.oldest.insert(partition, (offset, ms));
            }
        }
    }
    let oldest = watcher.oldest.values().map(|&(_, ms)| ms).min();
    Ok(GroupView {
        group: client.group().clone(),
        topic: topic.to_owned(),
        state: description.state,
        members: description.members,
        partitions: progress,
        time_lag_ms: oldest.map(|ms| (seen_at_ms - ms).max(0) as u64),
        seen_at_ms,
    })
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as i64)
}
