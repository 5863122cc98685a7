//! Fan-out from the one feed consumer to every connected browser.
//!
//! Each record is encoded to its JSON frame once, here, and every socket gets a cheap clone of
//! the same bytes. Frames wait in one ring that every socket reads at its own pace, with a
//! cursor of its own: a slow socket costs the server nothing but its place in the ring. The
//! ring is bounded in frames and in bytes (a few 1 MiB records must not pin hundreds of MiB
//! behind a stalled socket); a socket whose place falls out of it is told exactly how many
//! records it missed.
//!
//! The locks are `parking_lot`'s, which cannot be poisoned: a panic in one socket's task (or
//! in the feed) while it holds one leaves the hub usable by every other.

use std::collections::{BTreeMap, VecDeque};

use parking_lot::Mutex;
use tokio::sync::watch;

use super::frame::{Frame, FrameKind};
use crate::server::metrics::metrics;
use crate::wire::frame::{BrokerStatus, FeedHealth, FeedState, ServerFrame};
use crate::wire::receipt::Placed;
use crate::wire::record::FeedRecord;

/// Per partition, the next offset a socket needs: the records before it it has, or was told it
/// will never see.
pub type Positions = BTreeMap<i32, i64>;

/// Offsets a resuming client has not seen and the hub no longer holds, per partition:
/// `from..until`, to be read from Kafka.
pub type Gaps = BTreeMap<i32, std::ops::Range<i64>>;

/// How much the hub holds.
#[derive(Debug, Clone, Copy)]
pub struct HubLimits {
    /// Records a newly opened page starts with.
    pub backlog: usize,
    /// Frames a socket may fall behind before it misses some.
    pub queue_frames: usize,
    /// Bytes of frames the ring (and, separately, the backlog) holds at most.
    pub queue_bytes: usize,
}

/// Where one socket reads the ring: the next frame's sequence number, and how many places in
/// partitions were published before it.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    seq: u64,
    places: u64,
}

/// Frames read from the ring in one go.
#[derive(Debug, Default)]
pub struct Read {
    /// Places in partitions this socket's cursor fell past: it will never get them.
    pub missed: u64,
    /// Resets it fell past too: it must still apply them, or drop what follows.
    pub resets: Vec<Frame>,
    pub frames: Vec<Frame>,
}

struct Entry {
    frame: Frame,
    /// Places published before this frame.
    places_before: u64,
}

#[derive(Debug, Clone, Copy)]
struct PartitionState {
    /// Where the feed started reading it: a resuming page that never named it starts here.
    first: i64,
    /// The offset the hub publishes next.
    next: i64,
}

struct State {
    ring: VecDeque<Entry>,
    ring_bytes: usize,
    /// Sequence number of `ring[0]`.
    first_seq: u64,
    places: u64,
    backlog: VecDeque<Frame>,
    backlog_bytes: usize,
    partitions: BTreeMap<i32, PartitionState>,
    /// The newest reset of each partition, with its sequence number.
    resets: BTreeMap<i32, (u64, Frame)>,
    broker: Option<BrokerStatus>,
    feed: FeedHealth,
}

pub struct Hub {
    state: Mutex<State>,
    limits: HubLimits,
    /// The sequence number the next frame gets; sockets wait for it to move.
    head: watch::Sender<u64>,
    broker_watch: watch::Sender<Option<BrokerStatus>>,
    feed_watch: watch::Sender<FeedHealth>,
}

/// What a new socket on the shared feed starts from.
pub struct Subscription {
    /// The cluster's and the feed's state, for the page to show first.
    pub status: Vec<Frame>,
    /// Per partition, where this socket's view begins: sent to the page in a `View` frame.
    pub view: Vec<Placed>,
    /// What the socket has not seen that only Kafka still holds; comes before `backlog`.
    pub gaps: Gaps,
    /// Held records the socket has not seen, oldest first.
    pub backlog: Vec<Frame>,
    /// Live frames from here.
    pub cursor: Cursor,
    /// The socket's filter: what it already has, per partition.
    pub positions: Positions,
    /// Partitions the client says it saw further than the hub has published: either the feed
    /// is still catching up, or the partition's log was reset under the client. Kafka decides.
    pub ahead: Vec<(i32, i64)>,
}

impl Hub {
    pub fn new(limits: HubLimits) -> Self {
        let feed = FeedHealth { state: FeedState::Starting, restarts: 0, unreadable: 0 };
        Self {
            state: Mutex::new(State {
                ring: VecDeque::new(),
                ring_bytes: 0,
                first_seq: 0,
                places: 0,
                backlog: VecDeque::new(),
                backlog_bytes: 0,
                partitions: BTreeMap::new(),
                resets: BTreeMap::new(),
                broker: None,
                feed: feed.clone(),
            }),
            limits,
            head: watch::channel(0).0,
            broker_watch: watch::channel(None).0,
            feed_watch: watch::channel(feed).0,
        }
    }

    /// Adds a frame to the ring under the lock held by the caller; returns the next sequence.
    fn push(&self, state: &mut State, frame: Frame) -> u64 {
        let places_before = state.places;
        state.places += frame.places();
        state.ring_bytes += frame.bytes();
        state.ring.push_back(Entry { frame, places_before });
        while state.ring.len() > 1
            && (state.ring.len() > self.limits.queue_frames.max(1)
                || state.ring_bytes > self.limits.queue_bytes)
        {
            if let Some(old) = state.ring.pop_front() {
                state.ring_bytes -= old.frame.bytes();
                state.first_seq += 1;
            }
        }
        state.first_seq + state.ring.len() as u64
    }

    pub fn publish(&self, record: &FeedRecord) {
        self.publish_frame(Frame::encode(record));
    }

    /// A record the feed passed over: it takes its place in the partition like any other.
    pub fn publish_unreadable(&self, partition: i32, offset: i64, reason: String) {
        self.publish_frame(Frame::unreadable(partition, offset, reason));
        let health = {
            let mut state = self.state.lock();
            state.feed.unreadable += 1;
            state.feed.clone()
        };
        self.feed_watch.send_replace(health);
    }

    fn publish_frame(&self, frame: Frame) {
        let head = {
            let mut state = self.state.lock();
            if let Some((partition, offset)) = frame.record_position() {
                let next = offset.saturating_add(1);
                state.partitions.entry(partition).or_insert(PartitionState { first: offset, next }).next =
                    next;
                if self.limits.backlog > 0 {
                    state.backlog_bytes += frame.bytes();
                    state.backlog.push_back(frame.clone());
                    while state.backlog.len() > self.limits.backlog
                        || (state.backlog.len() > 1 && state.backlog_bytes > self.limits.queue_bytes)
                    {
                        if let Some(old) = state.backlog.pop_front() {
                            state.backlog_bytes -= old.bytes();
                        }
                    }
                }
            }
            self.push(&mut state, frame)
        };
        self.head.send_replace(head);
    }

    /// Where the feed reads each partition from (at its start, and for partitions added
    /// later). Partitions new to the hub are announced to every socket.
    pub fn feed_starts_at(&self, starts: impl IntoIterator<Item = (i32, i64)>) {
        let head = {
            let mut state = self.state.lock();
            let mut added = Vec::new();
            for (partition, offset) in starts {
                if let std::collections::btree_map::Entry::Vacant(entry) = state.partitions.entry(partition) {
                    entry.insert(PartitionState { first: offset, next: offset });
                    added.push(Placed { partition, offset });
                }
            }
            if added.is_empty() {
                return;
            }
            self.push(&mut state, Frame::view(added, None))
        };
        self.head.send_replace(head);
    }

    /// The partition's log no longer holds what the feed read (the topic was deleted and
    /// created again, or the log was truncated): the feed reads it again from `offset`, and
    /// every socket starts it again there, told why.
    pub fn reset_partition(&self, partition: i32, offset: i64, reason: String) {
        let head = {
            let mut state = self.state.lock();
            state.partitions.insert(partition, PartitionState { first: offset, next: offset });
            let before = state.backlog.len();
            state.backlog.retain(|frame| frame.record_position().is_none_or(|(p, _)| p != partition));
            if state.backlog.len() != before {
                state.backlog_bytes = state.backlog.iter().map(Frame::bytes).sum();
            }
            let frame = Frame::view(vec![Placed { partition, offset }], Some(reason));
            let seq = state.first_seq + state.ring.len() as u64;
            state.resets.insert(partition, (seq, frame.clone()));
            self.push(&mut state, frame)
        };
        self.head.send_replace(head);
    }

    /// Records Kafka deleted before the feed read them: every socket is told how many.
    pub fn publish_missed(&self, partition: i32, next: i64, count: u64) {
        let head = {
            let mut state = self.state.lock();
            if let Some(known) = state.partitions.get_mut(&partition) {
                known.next = next;
            }
            self.push(&mut state, Frame::missed(count))
        };
        self.head.send_replace(head);
    }

    /// Records the cluster's reachability and tells every socket when it changes.
    pub fn set_broker_status(&self, status: BrokerStatus) {
        metrics().broker_reachable.set(i64::from(status == BrokerStatus::Reachable));
        let head = {
            let mut state = self.state.lock();
            if state.broker.as_ref() == Some(&status) {
                return;
            }
            state.broker = Some(status.clone());
            self.broker_watch.send_replace(Some(status.clone()));
            self.push(&mut state, Frame::status(&ServerFrame::Broker(status)))
        };
        self.head.send_replace(head);
    }

    /// The cluster's reachability, now and on every change.
    pub fn broker_status(&self) -> watch::Receiver<Option<BrokerStatus>> {
        self.broker_watch.subscribe()
    }

    /// The feed's state, for sockets and readiness; told to every socket when it changes.
    pub fn set_feed_state(&self, feed_state: FeedState) {
        let (head, health) = {
            let mut state = self.state.lock();
            if state.feed.state == feed_state {
                return;
            }
            if matches!(feed_state, FeedState::Restarting { .. }) {
                state.feed.restarts += 1;
            }
            state.feed.state = feed_state;
            let health = state.feed.clone();
            (self.push(&mut state, Frame::status(&ServerFrame::Feed(health.clone()))), health)
        };
        self.feed_watch.send_replace(health);
        self.head.send_replace(head);
    }

    pub fn feed_health(&self) -> FeedHealth {
        self.feed_watch.borrow().clone()
    }

    /// Per partition, the offset the feed reads next (where a restarted feed goes on from).
    pub fn next_offsets(&self) -> BTreeMap<i32, i64> {
        self.state.lock().partitions.iter().map(|(p, known)| (*p, known.next)).collect()
    }

    /// A socket on the shared feed: `resume` is `None` for a new page, else the next offset the
    /// page needs per partition it names. A partition a resuming page does not name is one it
    /// saw nothing of: it gets everything the feed has read of it, so nothing is lost.
    pub fn subscribe(&self, resume: Option<&Positions>) -> Subscription {
        let state = self.state.lock();
        let status = state.broker.iter().map(|broker| Frame::status(&ServerFrame::Broker(broker.clone())));
        let status = status.chain([Frame::status(&ServerFrame::Feed(state.feed.clone()))]).collect();
        // Per partition, the oldest offset the backlog still holds.
        let mut held = BTreeMap::new();
        for (partition, offset) in state.backlog.iter().filter_map(Frame::record_position) {
            held.entry(partition).or_insert(offset);
        }
        let mut positions = Positions::new();
        let mut gaps = Gaps::new();
        let mut ahead = Vec::new();
        for (&partition, known) in &state.partitions {
            let held_from = held.get(&partition).copied().unwrap_or(known.next);
            let start = match resume {
                None => held_from,
                Some(resume) => resume.get(&partition).copied().unwrap_or(known.first),
            };
            if start < held_from {
                gaps.insert(partition, start..held_from);
            } else if start > known.next {
                ahead.push((partition, start));
            }
            positions.insert(partition, start);
        }
        if let Some(resume) = resume {
            for (&partition, &next) in resume {
                positions.entry(partition).or_insert(next);
            }
        }
        let backlog = state
            .backlog
            .iter()
            .filter(|frame| {
                frame.record_position().is_some_and(|(p, o)| positions.get(&p).is_none_or(|n| o >= *n))
            })
            .cloned()
            .collect();
        let view = state
            .partitions
            .keys()
            .map(|&partition| Placed { partition, offset: positions[&partition] })
            .collect();
        let cursor = Cursor { seq: state.first_seq + state.ring.len() as u64, places: state.places };
        Subscription { status, view, gaps, backlog, cursor, positions, ahead }
    }

    /// Up to `max_frames` frames (and about `max_bytes`, at least one frame) after `cursor`,
    /// moving it on. A cursor that fell out of the ring learns how many places it missed.
    pub fn read(&self, cursor: &mut Cursor, max_frames: usize, max_bytes: usize) -> Read {
        let state = self.state.lock();
        let mut read = Read::default();
        if cursor.seq < state.first_seq {
            let places_now = state.ring.front().map_or(state.places, |entry| entry.places_before);
            read.missed = places_now - cursor.places;
            read.resets = state
                .resets
                .values()
                .filter(|(seq, _)| (cursor.seq..state.first_seq).contains(seq))
                .map(|(_, frame)| frame.clone())
                .collect();
            *cursor = Cursor { seq: state.first_seq, places: places_now };
        }
        let skip = (cursor.seq - state.first_seq) as usize;
        let mut bytes = 0;
        for entry in state.ring.iter().skip(skip) {
            if read.frames.len() >= max_frames || (bytes >= max_bytes && !read.frames.is_empty()) {
                break;
            }
            bytes += entry.frame.bytes();
            cursor.places = entry.places_before + entry.frame.places();
            cursor.seq += 1;
            read.frames.push(entry.frame.clone());
        }
        read
    }

    /// Waits for frames after `cursor`'s place; the receiver comes from `head`.
    pub fn head(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }
}

/// A socket's filter: passes each frame it has not had, and keeps its positions up to date.
pub fn admit(positions: &mut Positions, frame: &Frame) -> bool {
    match &frame.kind {
        FrameKind::Record { partition, offset } => {
            let next = positions.entry(*partition).or_insert(*offset);
            if *offset < *next {
                return false;
            }
            *next = offset.saturating_add(1);
            true
        }
        FrameKind::View(change) => {
            for placed in &change.from {
                if change.reset {
                    positions.insert(placed.partition, placed.offset);
                } else {
                    positions.entry(placed.partition).or_insert(placed.offset);
                }
            }
            true
        }
        FrameKind::Missed { .. } | FrameKind::Status => true,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::wire::record::Payload;

    const LIMITS: HubLimits = HubLimits { backlog: 2, queue_frames: 16, queue_bytes: 1 << 20 };

    fn record(partition: i32, offset: i64) -> FeedRecord {
        FeedRecord::sample(partition, offset)
    }

    fn positions(frames: &[Frame]) -> Vec<(i32, i64)> {
        frames.iter().filter_map(Frame::record_position).collect()
    }

    fn read_all(hub: &Hub, cursor: &mut Cursor) -> Read {
        hub.read(cursor, usize::MAX, usize::MAX)
    }

    #[test]
    fn a_new_subscriber_gets_the_newest_backlog_then_live_records() {
        let hub = Hub::new(LIMITS);
        hub.feed_starts_at([(0, 0)]);
        for offset in 0..3 {
            hub.publish(&record(0, offset));
        }
        let mut sub = hub.subscribe(None);
        assert_eq!(positions(&sub.backlog), vec![(0, 1), (0, 2)]);
        assert_eq!(sub.view, vec![Placed { partition: 0, offset: 1 }], "its view begins at its backlog");
        hub.publish(&record(0, 3));
        assert_eq!(positions(&read_all(&hub, &mut sub.cursor).frames), vec![(0, 3)]);
    }

    #[test]
    fn a_resuming_subscriber_gets_only_what_it_has_not_seen() {
        let hub = Hub::new(HubLimits { backlog: 10, ..LIMITS });
        hub.feed_starts_at([(0, 0), (1, 0)]);
        for offset in 0..4 {
            hub.publish(&record(0, offset));
            hub.publish(&record(1, offset));
        }
        let sub = hub.subscribe(Some(&Positions::from([(0, 3), (1, 1)])));
        assert_eq!(positions(&sub.backlog), vec![(1, 1), (1, 2), (0, 3), (1, 3)], "in arrival order");
        assert!(sub.gaps.is_empty());
    }

    #[test]
    fn a_resuming_subscriber_learns_what_only_kafka_still_has() {
        let hub = Hub::new(LIMITS);
        hub.feed_starts_at([(0, 0), (1, 0), (2, 7)]);
        for offset in 0..5 {
            hub.publish(&record(0, offset));
        }
        let sub = hub.subscribe(Some(&Positions::from([(0, 2), (1, 4), (2, 7)])));
        // Partition 0: the backlog holds 3 and 4, so 2 comes from Kafka. Partition 1: nothing
        // published yet, and the client claims 4: the hub cannot tell whether that is ahead of
        // the log. Partition 2: the feed starts at 7, where the client is.
        assert_eq!(sub.gaps, Gaps::from([(0, 2..3)]));
        assert_eq!(sub.ahead, vec![(1, 4)]);
        let sub = hub.subscribe(Some(&Positions::from([(0, 5), (1, 0), (2, 7)])));
        assert!(sub.gaps.is_empty(), "a client that saw everything has no gap");
    }

    #[test]
    fn a_partition_a_resuming_page_never_named_comes_from_where_the_feed_began() {
        let hub = Hub::new(LIMITS);
        hub.feed_starts_at([(0, 0), (1, 10)]);
        hub.publish(&record(0, 0));
        for offset in 10..310 {
            hub.publish(&record(1, offset));
        }
        let sub = hub.subscribe(Some(&Positions::from([(0, 1)])));
        assert_eq!(sub.gaps, Gaps::from([(1, 10..308)]), "298 from Kafka");
        assert_eq!(positions(&sub.backlog), vec![(1, 308), (1, 309)], "then the 2 the hub holds");
        assert_eq!(sub.view, vec![Placed { partition: 0, offset: 1 }, Placed { partition: 1, offset: 10 }]);
    }

    #[test]
    fn a_new_subscriber_learns_the_broker_and_feed_state_first_and_changes_only() {
        let hub = Hub::new(LIMITS);
        hub.set_broker_status(BrokerStatus::Reachable);
        let mut sub = hub.subscribe(None);
        assert!(sub.status[0].json.as_str().contains("reachable"));
        assert!(sub.status[1].json.as_str().contains(r#""type":"feed""#));
        hub.set_broker_status(BrokerStatus::Reachable);
        assert!(read_all(&hub, &mut sub.cursor).frames.is_empty(), "an unchanged status is not sent again");
        hub.set_broker_status(BrokerStatus::Unreachable { reason: "down".into() });
        assert!(read_all(&hub, &mut sub.cursor).frames[0].json.as_str().contains("down"));
    }

    #[test]
    fn a_slow_subscriber_is_told_exactly_how_many_it_missed() {
        let hub = Hub::new(HubLimits { backlog: 0, queue_frames: 16, queue_bytes: 1 << 20 });
        let mut sub = hub.subscribe(None);
        hub.set_broker_status(BrokerStatus::Reachable);
        for offset in 0..20 {
            hub.publish(&record(0, offset));
        }
        let read = read_all(&hub, &mut sub.cursor);
        assert_eq!(read.missed, 4, "the status frame fell out too, but it is no record");
        assert_eq!(positions(&read.frames), (4..20).map(|o| (0, o)).collect::<Vec<_>>());
    }

    #[test]
    fn the_ring_is_bounded_in_bytes_whatever_its_frame_count() {
        let hub = Hub::new(HubLimits { backlog: 100, queue_frames: 4096, queue_bytes: 10 * 1024 });
        let mut sub = hub.subscribe(None);
        let mut big = record(0, 0);
        for offset in 0..100 {
            big.offset = offset;
            big.value = Some(Payload::Text("x".repeat(1024)));
            hub.publish(&big);
        }
        let state = hub.state.lock();
        assert!(state.ring_bytes <= 10 * 1024 && state.backlog_bytes <= 10 * 1024);
        assert_eq!(state.ring.len(), state.backlog.len());
        let held = state.ring.len() as u64;
        drop(state);
        let read = read_all(&hub, &mut sub.cursor);
        assert_eq!(read.missed + read.frames.len() as u64, 100, "every record read or counted");
        assert_eq!(read.frames.len() as u64, held);
    }

    #[test]
    fn a_reset_reaches_a_socket_even_when_it_fell_out_of_the_ring() {
        let hub = Hub::new(HubLimits { backlog: 0, queue_frames: 4, queue_bytes: 1 << 20 });
        hub.feed_starts_at([(0, 0)]);
        let mut sub = hub.subscribe(None);
        let mut filter = sub.positions.clone();
        for offset in 0..3 {
            hub.publish(&record(0, offset));
        }
        hub.reset_partition(0, 0, "recreated".into());
        for offset in 0..6 {
            hub.publish(&record(0, offset));
        }
        let read = read_all(&hub, &mut sub.cursor);
        assert_eq!(read.resets.len(), 1);
        for frame in read.resets.iter().chain(&read.frames) {
            admit(&mut filter, frame);
        }
        assert_eq!(filter[&0], 6, "the new log's records pass the socket's filter");
    }

    #[test]
    fn the_filter_drops_what_a_socket_has_and_follows_resets() {
        let mut filter = Positions::from([(0, 5)]);
        assert!(!admit(&mut filter, &Frame::encode(&record(0, 4))));
        assert!(admit(&mut filter, &Frame::encode(&record(0, 5))));
        assert!(admit(&mut filter, &Frame::encode(&record(1, 9))), "an unknown partition passes");
        assert_eq!(filter, Positions::from([(0, 6), (1, 10)]));
        admit(&mut filter, &Frame::view(vec![Placed { partition: 0, offset: 0 }], None));
        assert_eq!(filter[&0], 6, "a view fills in, never moves back");
        admit(&mut filter, &Frame::view(vec![Placed { partition: 0, offset: 0 }], Some("recreated".into())));
        assert_eq!(filter[&0], 0, "a reset moves back");
    }

    #[test]
    fn a_record_frame_is_the_wire_types_own_json() {
        let record = record(3, 41);
        let frame = Frame::encode(&record);
        assert_eq!(frame.json.as_str(), serde_json::to_string(&ServerFrame::Record(record)).unwrap());
    }

    #[test]
    fn a_panic_while_the_lock_is_held_leaves_the_hub_usable() {
        let hub = Arc::new(Hub::new(LIMITS));
        let held = Arc::clone(&hub);
        let panicked = std::thread::spawn(move || {
            let _state = held.state.lock();
            panic!("a socket task fails while it holds the hub");
        })
        .join();
        assert!(panicked.is_err());
        hub.publish(&record(0, 0));
        assert_eq!(positions(&hub.subscribe(None).backlog), vec![(0, 0)]);
    }
}
