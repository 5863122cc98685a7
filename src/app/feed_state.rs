//! The live feed's state in the browser: records newest first, bounded, without duplicates.
//!
//! Pure logic over signals, so it is the same on the server (which renders it empty) and in
//! the browser (where the socket fills it). Records arrive far faster than a screen redraws
//! (thousands a second), so they wait in `pending` and reach the rendered list in one step per
//! animation frame (`render_pending`), however many came in between.

use std::collections::{BTreeMap, VecDeque};

use leptos::prelude::*;

use crate::event::{BrokerStatus, FeedRecord, ServerFrame};

/// How many records the page keeps; older ones fall off the bottom.
pub const MAX_ITEMS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    Connecting,
    Live,
    Reconnecting,
}

impl ConnectionStatus {
    pub fn label(self) -> &'static str {
        match self {
            ConnectionStatus::Connecting => "connecting",
            ConnectionStatus::Live => "live",
            ConnectionStatus::Reconnecting => "reconnecting",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct FeedState {
    pub records: RwSignal<VecDeque<FeedRecord>>,
    pub status: RwSignal<ConnectionStatus>,
    /// Records the server dropped for this page because it fell behind.
    pub missed: RwSignal<u64>,
    /// Whether the server reaches Kafka; unknown until the server says.
    pub broker: RwSignal<Option<BrokerStatus>>,
    /// The last offset seen per partition, sent back on reconnect so nothing repeats.
    last_seen: StoredValue<BTreeMap<i32, i64>>,
    /// Arrived, not yet rendered; oldest first, never more than the list can show.
    pending: StoredValue<VecDeque<FeedRecord>>,
}

impl FeedState {
    pub fn new() -> Self {
        Self {
            records: RwSignal::new(VecDeque::new()),
            status: RwSignal::new(ConnectionStatus::Connecting),
            missed: RwSignal::new(0),
            broker: RwSignal::new(None),
            last_seen: StoredValue::new(BTreeMap::new()),
            pending: StoredValue::new(VecDeque::new()),
        }
    }

    /// Takes in one frame. Returns whether records are waiting for `render_pending`.
    pub fn apply(&self, frame: ServerFrame) -> bool {
        match frame {
            ServerFrame::Record(record) => {
                let fresh = self.last_seen.try_update_value(|seen| {
                    let last = seen.entry(record.partition).or_insert(-1);
                    let fresh = record.offset > *last;
                    if fresh {
                        *last = record.offset;
                    }
                    fresh
                });
                if fresh == Some(true) {
                    // A page that cannot draw (a background tab) must not pile records up: any
                    // beyond what the list shows would fall off the bottom unseen anyway.
                    self.pending.update_value(|pending| {
                        pending.push_back(record);
                        if pending.len() > MAX_ITEMS {
                            pending.pop_front();
                        }
                    });
                    return true;
                }
            }
            ServerFrame::Missed { count } => self.missed.update(|missed| *missed += count),
            ServerFrame::Broker(status) => self.broker.set(Some(status)),
        }
        false
    }

    /// Moves every waiting record into the rendered list: one list update, one redraw.
    pub fn render_pending(&self) {
        let pending = self.pending.try_update_value(std::mem::take).unwrap_or_default();
        if pending.is_empty() {
            return;
        }
        self.records.update(|records| {
            for record in pending {
                records.push_front(record);
            }
            records.truncate(MAX_ITEMS);
        });
    }

    /// `?resume=0:41,1:17`, or nothing before the first record.
    pub fn resume_query(&self) -> String {
        self.last_seen.with_value(|seen| {
            if seen.is_empty() {
                return String::new();
            }
            let pairs: Vec<String> = seen.iter().map(|(p, o)| format!("{p}:{o}")).collect();
            format!("?resume={}", pairs.join(","))
        })
    }
}

impl Default for FeedState {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Payload;

    fn record(partition: i32, offset: i64) -> ServerFrame {
        ServerFrame::Record(FeedRecord {
            topic: "t".into(),
            partition,
            offset,
            timestamp_ms: None,
            key: None,
            value: Some(Payload::Text(format!("{partition}:{offset}"))),
        })
    }

    /// Signals live in an arena that only exists under an owner (the server build sandboxes them).
    fn with_owner(test: impl FnOnce()) {
        Owner::new().with(test)
    }

    fn shown(feed: &FeedState) -> Vec<(i32, i64)> {
        feed.records.with_untracked(|records| records.iter().map(|r| (r.partition, r.offset)).collect())
    }

    #[test]
    fn records_wait_for_the_next_frame_then_show_newest_first() {
        with_owner(|| {
            let feed = FeedState::new();
            assert!(feed.apply(record(0, 1)));
            assert!(feed.apply(record(1, 7)));
            assert!(shown(&feed).is_empty(), "nothing is drawn between animation frames");
            feed.render_pending();
            assert_eq!(shown(&feed), vec![(1, 7), (0, 1)]);
        });
    }

    #[test]
    fn a_record_seen_before_is_not_shown_twice() {
        with_owner(|| {
            let feed = FeedState::new();
            assert!(feed.apply(record(0, 5)));
            assert!(!feed.apply(record(0, 5)));
            assert!(!feed.apply(record(0, 4)));
            feed.render_pending();
            assert_eq!(shown(&feed), vec![(0, 5)]);
            assert_eq!(feed.resume_query(), "?resume=0:5");
        });
    }

    #[test]
    fn a_page_that_cannot_draw_holds_no_more_than_the_list_shows() {
        with_owner(|| {
            let feed = FeedState::new();
            for offset in 0..(MAX_ITEMS as i64 * 3) {
                feed.apply(record(0, offset));
            }
            feed.pending.with_value(|pending| assert_eq!(pending.len(), MAX_ITEMS));
            feed.render_pending();
            let shown = shown(&feed);
            assert_eq!(shown.len(), MAX_ITEMS);
            assert_eq!(shown[0], (0, MAX_ITEMS as i64 * 3 - 1), "the newest record is on top");
        });
    }
}
