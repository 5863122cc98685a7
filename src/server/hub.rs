//! Fan-out from the one feed consumer to every connected browser.
//!
//! Each record is encoded to its JSON frame once, here, and every socket gets a cheap clone
//! of the same bytes. The broadcast channel is each socket's bounded queue: a socket that
//! falls further behind than that is told how many records it missed instead of making the
//! server hold more.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::broadcast;

use crate::event::{FeedRecord, ServerFrame};

/// A record's frame, encoded once, with the position it came from.
#[derive(Debug, Clone)]
pub struct Frame {
    pub partition: i32,
    pub offset: i64,
    pub json: Utf8Bytes,
}

impl Frame {
    pub fn encode(record: &FeedRecord) -> Self {
        let frame = ServerFrame::Record(record.clone());
        let json = serde_json::to_string(&frame).expect("a FeedRecord always serialises");
        Self { partition: record.partition, offset: record.offset, json: json.into() }
    }

    /// Whether a client that has seen up to `resume` already has this frame.
    fn seen_by(&self, resume: &Resume) -> bool {
        resume.get(&self.partition).is_some_and(|last| self.offset <= *last)
    }
}

/// The last offset a client saw, per partition.
pub type Resume = BTreeMap<i32, i64>;

pub struct Hub {
    backlog: Mutex<VecDeque<Frame>>,
    backlog_capacity: usize,
    live: broadcast::Sender<Frame>,
}

/// What a new socket starts from: the backlog it has not seen, then the live stream.
pub struct Subscription {
    pub backlog: Vec<Frame>,
    pub live: broadcast::Receiver<Frame>,
    pub resume: Resume,
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
        Self { backlog: Mutex::new(VecDeque::with_capacity(backlog_capacity)), backlog_capacity, live }
    }

    pub fn publish(&self, record: &FeedRecord) {
        let frame = Frame::encode(record);
        // The lock spans both steps so a subscriber sees each frame exactly once: either in
        // its backlog copy or on its receiver, never in both and never in neither.
        let mut backlog = self.backlog.lock().expect("hub lock poisoned");
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
        let backlog = self.backlog.lock().expect("hub lock poisoned");
        let live = self.live.subscribe();
        let unseen = backlog.iter().filter(|frame| !frame.seen_by(&resume)).cloned().collect();
        Subscription { backlog: unseen, live, resume }
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
            timestamp_ms: None,
            key: None,
            value: Some(Payload::Text(format!("{partition}/{offset}"))),
        }
    }

    #[test]
    fn a_new_subscriber_gets_the_newest_backlog_then_live_records() {
        let hub = Hub::new(2, 16);
        for offset in 0..3 {
            hub.publish(&record(0, offset));
        }
        let mut sub = hub.subscribe(Resume::new());
        let offsets: Vec<i64> = sub.backlog.iter().map(|f| f.offset).collect();
        assert_eq!(offsets, vec![1, 2]);
        hub.publish(&record(0, 3));
        assert_eq!(sub.live.try_recv().unwrap().offset, 3);
    }

    #[test]
    fn a_resuming_subscriber_gets_only_what_it_has_not_seen() {
        let hub = Hub::new(10, 16);
        for offset in 0..4 {
            hub.publish(&record(0, offset));
            hub.publish(&record(1, offset));
        }
        let sub = hub.subscribe(Resume::from([(0, 2), (1, 0)]));
        let seen: Vec<(i32, i64)> = sub.backlog.iter().map(|f| (f.partition, f.offset)).collect();
        assert_eq!(seen, vec![(1, 1), (1, 2), (0, 3), (1, 3)], "in arrival order");
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
