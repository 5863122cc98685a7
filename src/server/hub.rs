//! Fan-out from the one feed consumer to every connected browser.
//!
//! Each record is encoded to its JSON frame once, here, and every socket gets a cheap clone
//! of the same bytes. The broadcast channel is each socket's bounded queue: a socket that
//! falls further behind than that is told how many records it missed instead of making the
//! server hold more.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, watch};

use crate::event::{BrokerStatus, FeedRecord, ServerFrame};

/// A frame encoded once for every socket; records carry the position they came from.
#[derive(Debug, Clone)]
pub struct Frame {
    /// `(partition, offset)` for a record; `None` for a status frame.
    pub position: Option<(i32, i64)>,
    pub json: Utf8Bytes,
}

impl Frame {
    pub fn encode(record: &FeedRecord) -> Self {
        let frame = ServerFrame::Record(record.clone());
        Self { position: Some((record.partition, record.offset)), json: encode(&frame) }
    }

    fn status(status: &BrokerStatus) -> Self {
        Self { position: None, json: encode(&ServerFrame::Broker(status.clone())) }
    }

    /// Whether a client that has seen up to `resume` already has this frame.
    fn seen_by(&self, resume: &Resume) -> bool {
        self.position
            .is_some_and(|(partition, offset)| resume.get(&partition).is_some_and(|last| offset <= *last))
    }
}

/// The one place a frame becomes JSON text for the socket.
pub fn encode(frame: &ServerFrame) -> Utf8Bytes {
    serde_json::to_string(frame).expect("frames always serialise").into()
}

/// The last offset a client saw, per partition.
pub type Resume = BTreeMap<i32, i64>;

/// Offsets a resuming client has not seen and the hub no longer holds, per partition:
/// `from..until`, to be read from Kafka.
pub type Gaps = BTreeMap<i32, std::ops::Range<i64>>;

pub struct Hub {
    backlog: Mutex<VecDeque<Frame>>,
    /// Per partition, the offset the hub will publish next (the feed's start position until
    /// it has published something). Guarded by the backlog's lock, which covers it.
    next: Mutex<BTreeMap<i32, i64>>,
    broker: Mutex<Option<BrokerStatus>>,
    /// The same, for sockets that read from a reader of their own instead of the hub.
    broker_watch: watch::Sender<Option<BrokerStatus>>,
    backlog_capacity: usize,
    live: broadcast::Sender<Frame>,
}

/// What a new socket starts from: the backlog it has not seen, then the live stream.
pub struct Subscription {
    pub backlog: Vec<Frame>,
    pub live: broadcast::Receiver<Frame>,
    pub resume: Resume,
    /// What the client has not seen that comes before everything in `backlog` and `live`.
    pub gaps: Gaps,
}

impl Subscription {
    /// Drops live frames the client already has (it reconnected with offsets).
    pub fn is_new(&self, frame: &Frame) -> bool {
        !frame.seen_by(&self.resume)
    }
}

impl Hub {
    pub fn new(backlog_capacity: usize, socket_queue: usize) -> Self {
        let (live, _) = broadcast::channel(socket_queue.max(1));
        Self {
            backlog: Mutex::new(VecDeque::with_capacity(backlog_capacity)),
            next: Mutex::new(BTreeMap::new()),
            broker: Mutex::new(None),
            broker_watch: watch::channel(None).0,
            backlog_capacity,
            live,
        }
    }

    /// Records the cluster's reachability and tells every socket when it changes.
    pub fn set_broker_status(&self, status: BrokerStatus) {
        let mut current = self.broker.lock().expect("hub lock poisoned");
        if current.as_ref() == Some(&status) {
            return;
        }
        let _ = self.live.send(Frame::status(&status));
        self.broker_watch.send_replace(Some(status.clone()));
        *current = Some(status);
    }

    /// The cluster's reachability, now and on every change.
    pub fn broker_status(&self) -> watch::Receiver<Option<BrokerStatus>> {
        self.broker_watch.subscribe()
    }

    /// Where the feed starts reading each partition, so a resuming client can be told what
    /// lies before it.
    pub fn feed_starts_at(&self, starts: impl IntoIterator<Item = (i32, i64)>) {
        let _backlog = self.backlog.lock().expect("hub lock poisoned");
        let mut next = self.next.lock().expect("hub lock poisoned");
        for (partition, offset) in starts {
            next.entry(partition).or_insert(offset);
        }
    }

    pub fn publish(&self, record: &FeedRecord) {
        let frame = Frame::encode(record);
        // The lock spans both steps so a subscriber sees each frame exactly once: either in
        // its backlog copy or on its receiver, never in both and never in neither.
        let mut backlog = self.backlog.lock().expect("hub lock poisoned");
        self.next.lock().expect("hub lock poisoned").insert(record.partition, record.offset + 1);
        if self.backlog_capacity > 0 {
            if backlog.len() == self.backlog_capacity {
                backlog.pop_front();
            }
            backlog.push_back(frame.clone());
        }
        // No receivers is fine: nobody is watching yet.
        let _ = self.live.send(frame);
    }

    pub fn subscribe(&self, resume: Resume) -> Subscription {
        let broker = self.broker.lock().expect("hub lock poisoned");
        let backlog = self.backlog.lock().expect("hub lock poisoned");
        let live = self.live.subscribe();
        // A new page learns the cluster's state first, then the records it has not seen.
        let status = broker.as_ref().map(Frame::status);
        let unseen = backlog.iter().filter(|frame| !frame.seen_by(&resume)).cloned();
        let gaps = self.gaps(&backlog, &resume);
        Subscription { backlog: status.into_iter().chain(unseen).collect(), live, resume, gaps }
    }

    /// For each partition the client saw: from its next offset up to the first offset this hub
    /// will still hand it (the oldest in the backlog, or the next to be published).
    fn gaps(&self, backlog: &VecDeque<Frame>, resume: &Resume) -> Gaps {
        let next = self.next.lock().expect("hub lock poisoned");
        resume
            .iter()
            .filter_map(|(&partition, &last)| {
                let oldest_held = backlog
                    .iter()
                    .filter_map(|frame| frame.position)
                    .find(|(p, _)| *p == partition)
                    .map(|(_, offset)| offset);
                let until = oldest_held.or_else(|| next.get(&partition).copied())?;
                (last + 1 < until).then_some((partition, last + 1..until))
            })
            .collect()
    }

    pub fn clients(&self) -> usize {
        self.live.receiver_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Payload;

    fn record(partition: i32, offset: i64) -> FeedRecord {
        FeedRecord {
            topic: "t".into(),
            partition,
            offset,
            timestamp: None,
            key: None,
            headers: Vec::new(),
            value: Some(Payload::Text(format!("{partition}/{offset}"))),
            size: 0,
            cut: false,
        }
    }

    #[test]
    fn a_new_subscriber_gets_the_newest_backlog_then_live_records() {
        let hub = Hub::new(2, 16);
        for offset in 0..3 {
            hub.publish(&record(0, offset));
        }
        let mut sub = hub.subscribe(Resume::new());
        let positions: Vec<_> = sub.backlog.iter().map(|f| f.position).collect();
        assert_eq!(positions, vec![Some((0, 1)), Some((0, 2))]);
        hub.publish(&record(0, 3));
        assert_eq!(sub.live.try_recv().unwrap().position, Some((0, 3)));
    }

    #[test]
    fn a_resuming_subscriber_gets_only_what_it_has_not_seen() {
        let hub = Hub::new(10, 16);
        for offset in 0..4 {
            hub.publish(&record(0, offset));
            hub.publish(&record(1, offset));
        }
        let sub = hub.subscribe(Resume::from([(0, 2), (1, 0)]));
        let seen: Vec<(i32, i64)> = sub.backlog.iter().filter_map(|f| f.position).collect();
        assert_eq!(seen, vec![(1, 1), (1, 2), (0, 3), (1, 3)], "in arrival order");
    }

    #[test]
    fn a_new_subscriber_learns_the_broker_status_first_and_changes_only() {
        let hub = Hub::new(10, 16);
        hub.publish(&record(0, 0));
        hub.set_broker_status(BrokerStatus::Reachable);
        let mut sub = hub.subscribe(Resume::new());
        assert!(sub.backlog[0].json.as_str().contains("reachable"));
        assert_eq!(sub.backlog[1].position, Some((0, 0)));
        hub.set_broker_status(BrokerStatus::Reachable);
        assert!(sub.live.try_recv().is_err(), "an unchanged status is not sent again");
        hub.set_broker_status(BrokerStatus::Unreachable { reason: "down".into() });
        assert!(sub.live.try_recv().unwrap().json.as_str().contains("down"));
    }

    #[test]
    fn a_resuming_subscriber_learns_what_only_kafka_still_has() {
        let hub = Hub::new(2, 16);
        hub.feed_starts_at([(0, 0), (1, 0), (2, 7)]);
        for offset in 0..5 {
            hub.publish(&record(0, offset));
        }
        let sub = hub.subscribe(Resume::from([(0, 1), (1, 3), (2, 6)]));
        // Partition 0: the backlog holds 3 and 4, so 2 comes from Kafka. Partition 1: nothing
        // published past 0 yet, yet the client saw 3; nothing is missing. Partition 2: the feed
        // starts at 7 and the client saw 6; nothing is missing.
        assert_eq!(sub.gaps, Gaps::from([(0, 2..3)]));
        let sub = hub.subscribe(Resume::from([(0, 4)]));
        assert!(sub.gaps.is_empty(), "a client that saw everything has no gap");
    }

    #[test]
    fn a_slow_subscriber_is_told_how_many_it_missed() {
        let hub = Hub::new(0, 16);
        let mut sub = hub.subscribe(Resume::new());
        for offset in 0..20 {
            hub.publish(&record(0, offset));
        }
        assert!(matches!(sub.live.try_recv(), Err(broadcast::error::TryRecvError::Lagged(4))));
    }
}
