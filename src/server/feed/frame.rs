//! A frame as the sockets send it: encoded to JSON once for every socket, with what the hub
//! needs to know of it (a record's place, a view change, a count of missed records) read
//! without decoding the JSON again.

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;

use crate::wire::frame::ServerFrame;
use crate::wire::receipt::Placed;
use crate::wire::record::FeedRecord;

/// What a frame is, read without decoding its JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameKind {
    /// A record, or a record the server could not read: either way one place in a partition.
    Record { partition: i32, offset: i64 },
    /// Where a view of partitions begins, or begins again after a reset.
    View(Arc<ViewChange>),
    /// Records nobody will see, counted (Kafka deleted them before the feed read them).
    Missed { count: u64 },
    /// The cluster's or the feed's state.
    Status,
}

#[derive(Debug, PartialEq)]
pub struct ViewChange {
    pub from: Vec<Placed>,
    pub reset: bool,
}

/// A frame encoded once for every socket.
#[derive(Debug, Clone)]
pub struct Frame {
    pub kind: FrameKind,
    pub json: Utf8Bytes,
}

impl Frame {
    pub fn encode(record: &FeedRecord) -> Self {
        /// `ServerFrame::Record` by reference: the same JSON, without copying a record of up to
        /// a few MiB only to serialise it.
        #[derive(serde::Serialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        enum Outgoing<'a> {
            Record(&'a FeedRecord),
        }
        let kind = FrameKind::Record { partition: record.partition, offset: record.offset };
        let json = serde_json::to_string(&Outgoing::Record(record)).expect("records always serialise");
        Self { kind, json: json.into() }
    }

    pub fn unreadable(partition: i32, offset: i64, reason: String) -> Self {
        let kind = FrameKind::Record { partition, offset };
        Self { kind, json: encode(&ServerFrame::Unreadable { partition, offset, reason }) }
    }

    pub fn view(from: Vec<Placed>, reset: Option<String>) -> Self {
        let change = ViewChange { from: from.clone(), reset: reset.is_some() };
        Self { kind: FrameKind::View(Arc::new(change)), json: encode(&ServerFrame::View { from, reset }) }
    }

    pub fn missed(count: u64) -> Self {
        Self { kind: FrameKind::Missed { count }, json: encode(&ServerFrame::Missed { count }) }
    }

    pub(super) fn status(frame: &ServerFrame) -> Self {
        Self { kind: FrameKind::Status, json: encode(frame) }
    }

    /// Places in partitions this frame stands for, for a socket's exact account of what it missed.
    pub(super) fn places(&self) -> u64 {
        match self.kind {
            FrameKind::Record { .. } => 1,
            FrameKind::Missed { count } => count,
            FrameKind::View(_) | FrameKind::Status => 0,
        }
    }

    pub fn record_position(&self) -> Option<(i32, i64)> {
        match self.kind {
            FrameKind::Record { partition, offset } => Some((partition, offset)),
            _ => None,
        }
    }

    pub(super) fn bytes(&self) -> usize {
        self.json.as_str().len()
    }
}

/// The one place a frame becomes JSON text for the socket.
pub fn encode(frame: &ServerFrame) -> Utf8Bytes {
    serde_json::to_string(frame).expect("frames always serialise").into()
}
