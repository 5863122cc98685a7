//! The live feed's state in the browser: records newest first, bounded, without duplicates.
//!
//! Pure logic over signals, so it is the same on the server (which renders it empty) and in
//! the browser (where the socket fills it).

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
}

impl FeedState {
    pub fn new() -> Self {
        Self {
            records: RwSignal::new(VecDeque::new()),
            status: RwSignal::new(ConnectionStatus::Connecting),
            missed: RwSignal::new(0),
            broker: RwSignal::new(None),
            last_seen: StoredValue::new(BTreeMap::new()),
        }
    }

    pub fn apply(&self, frame: ServerFrame) {
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
                    self.records.update(|records| {
                        records.push_front(record);
                        records.truncate(MAX_ITEMS);
                    });
                }
            }
            ServerFrame::Missed { count } => self.missed.update(|missed| *missed += count),
            ServerFrame::Broker(status) => self.broker.set(Some(status)),
        }
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
