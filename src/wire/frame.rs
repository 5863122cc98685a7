//! What the server says to a browser over `/ws`, one frame at a time: records, gaps, the
//! broker's and the feed's state, refusals. Each side encodes and decodes these same types.

use serde::{Deserialize, Serialize};

use super::receipt::Placed;
use super::record::FeedRecord;

/// One message from the server to a browser over `/ws`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// A consumed record.
    Record(FeedRecord),
    /// The socket's queue overflowed and this many records were dropped for this client only.
    Missed { count: u64 },
    /// Whether the server can reach the Kafka cluster; sent on connect and on every change.
    Broker(BrokerStatus),
    /// Everything the topic held when the page connected (from its start position) has been
    /// sent; what follows is live.
    CaughtUp,
    /// The socket's request cannot be served (an unknown topic, a partition the topic does not
    /// have, too many pages reading from a position of their own). The server closes the socket
    /// after this; reconnecting with the same request would be refused again.
    Refused { reason: String },
    /// Where this socket's view of each partition begins: every record at or after these
    /// offsets reaches the page, or is counted in a `Missed` or an `Unreadable` frame. Sent on
    /// connect and for a partition added later. A page that reconnects names each of these
    /// partitions in its resume, so nothing between its view's start and its return is lost.
    ///
    /// With `reset`, the partition's log no longer holds the offsets the page saw (the topic was
    /// deleted and created again, or the log was truncated): the page forgets what it saw there
    /// and starts again at these offsets; `reset` says why.
    View {
        from: Vec<Placed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reset: Option<String>,
    },
    /// A record the server could not read, passed over after failing twice: its place, why,
    /// and nothing else. It counts as accounted for, like a shown record.
    Unreadable { partition: i32, offset: i64, reason: String },
    /// The state of the server's shared feed consumer; sent on connect and on every change.
    Feed(FeedHealth),
    /// The newest look at the consumer group the page watches (`group=` in its query): sent on
    /// connect once there is one, then about once a second.
    Group(crate::wire::consumers::GroupWatch),
}

/// The shared feed consumer, as the page's status and the readiness endpoint show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedHealth {
    pub state: FeedState,
    /// Times the feed task ended or panicked and was started again.
    pub restarts: u64,
    /// Records passed over as unreadable since the server started.
    pub unreadable: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FeedState {
    Starting,
    /// Waiting for the cluster (or the topic) to answer.
    Waiting {
        reason: String,
    },
    Reading,
    /// The feed task failed and is starting again where it left off.
    Restarting {
        reason: String,
    },
}

impl FeedHealth {
    pub fn is_reading(&self) -> bool {
        self.state == FeedState::Reading
    }
}

/// `(partition, offset)` of a record frame, read without decoding the whole frame: a page that
/// receives more records than it can show decodes only those it shows, and a load generator
/// must not spend the CPU the server needs. `None` for any other frame.
pub fn record_position(frame: &str) -> Option<(i32, i64)> {
    // `{"type":"record","topic":"<name>","partition":N,"offset":M,…`: topic names hold no
    // quotes, so the first `","partition":` after the prefix is the field itself.
    let rest = frame.strip_prefix(r#"{"type":"record","topic":""#)?;
    let rest = &rest[rest.find('"')?..];
    let rest = rest.strip_prefix(r#"","partition":"#)?;
    let (partition, rest) = rest.split_once(',')?;
    let rest = rest.strip_prefix(r#""offset":"#)?;
    let offset = &rest[..rest.find(',').unwrap_or(rest.len())];
    Some((partition.parse().ok()?, offset.parse().ok()?))
}

/// The `count` of a "missed N" frame.
pub fn missed_count(frame: &str) -> Option<u64> {
    let rest = frame.strip_prefix(r#"{"type":"missed","count":"#)?;
    rest.trim_end_matches('}').parse().ok()
}

/// The server's view of the cluster, as the page shows it beside the connection status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BrokerStatus {
    Reachable,
    /// Why not, in librdkafka's words (never a secret).
    Unreachable {
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::record::{Payload, RecordHeader, Timestamp, TimestampKind};

    #[test]
    fn frames_round_trip_through_json() {
        let frame = ServerFrame::Record(FeedRecord {
            topic: "order".into(),
            partition: 2,
            offset: 7,
            timestamp: Some(Timestamp { ms: 1, kind: TimestampKind::CreateTime }),
            key: None,
            headers: vec![RecordHeader {
                name: "trace".into(),
                binary_name: false,
                value: Some(Payload::Text("x".into())),
            }],
            value: Some(Payload::Text("<b>hi</b>".into())),
            size: 15,
            cut: false,
            omitted_headers: 0,
            key_decoding: None,
            value_decoding: None,
        });
        let json = serde_json::to_string(&frame).unwrap();
        assert_eq!(serde_json::from_str::<ServerFrame>(&json).unwrap(), frame);
        // The cheap reader agrees with the real encoding, whatever the value holds.
        assert_eq!(record_position(&json), Some((2, 7)));
        let missed = serde_json::to_string(&ServerFrame::Missed { count: 12 }).unwrap();
        assert_eq!((record_position(&missed), missed_count(&missed)), (None, Some(12)));
    }
}
