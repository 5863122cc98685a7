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

/// The frames one WebSocket message carries. A page that asks for batches (`batch=1`) gets
/// the frames queued for it at once as one message, a JSON array of frames (`[{…},{…}]`): one
/// message event and one copy into the page per batch instead of per record. Any other
/// message is one frame. The frames are split without decoding them, so that `record_position`
/// can still peek at each; a malformed batch yields its remainder as one frame, which then
/// fails to decode where it is used.
pub fn frames(message: &str) -> Frames<'_> {
    match message.strip_prefix('[') {
        Some(batch) => Frames { rest: batch, batch: true },
        None => Frames { rest: message, batch: false },
    }
}

/// See [`frames`].
pub struct Frames<'a> {
    rest: &'a str,
    batch: bool,
}

impl<'a> Iterator for Frames<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if !self.batch {
            return (!self.rest.is_empty()).then(|| std::mem::take(&mut self.rest));
        }
        let rest = self.rest.trim_start_matches([',', ' ', '\n', '\r', '\t']);
        if rest.is_empty() || rest.starts_with(']') {
            self.rest = "";
            return None;
        }
        // A frame is an object: it ends where its braces balance, outside any string. Bytes
        // of multi-byte characters never look like ASCII punctuation, so every cut is on a
        // character boundary.
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        let mut end = rest.len();
        for (at, byte) in rest.bytes().enumerate() {
            if in_string {
                match byte {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = at + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        let (frame, rest) = rest.split_at(end);
        self.rest = rest;
        Some(frame)
    }
}

/// Frames already encoded one by one, as one batch message: see [`frames`].
pub fn join_batch<'a>(frames: impl IntoIterator<Item = &'a str>) -> String {
    let mut batch = String::from("[");
    for frame in frames {
        if batch.len() > 1 {
            batch.push(',');
        }
        batch.push_str(frame);
    }
    batch.push(']');
    batch
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

    fn record_frame(offset: i64, value: &str) -> String {
        let mut record = FeedRecord::sample(0, offset);
        record.value = Some(Payload::Text(value.into()));
        serde_json::to_string(&ServerFrame::Record(record)).unwrap()
    }

    #[test]
    fn a_message_without_a_batch_is_one_frame() {
        let frame = record_frame(3, "[not a batch]");
        assert_eq!(frames(&frame).collect::<Vec<_>>(), vec![frame.as_str()]);
        assert_eq!(frames("").count(), 0);
    }

    #[test]
    fn a_batch_splits_into_its_frames_whatever_their_values_hold() {
        let sent = [
            record_frame(0, "},{\"type\":\"missed\",\"count\":9}"),
            serde_json::to_string(&ServerFrame::Missed { count: 4 }).unwrap(),
            record_frame(1, "a \\\" quote, a backslash\\, ] and [ and {"),
            record_frame(2, "žluťoučký kůň 🐎 }"),
            serde_json::to_string(&ServerFrame::CaughtUp).unwrap(),
        ];
        let batch = join_batch(sent.iter().map(String::as_str));
        let received: Vec<&str> = frames(&batch).collect();
        assert_eq!(received, sent.iter().map(String::as_str).collect::<Vec<_>>());
        let positions: Vec<_> = received.iter().filter_map(|frame| record_position(frame)).collect();
        assert_eq!(positions, vec![(0, 0), (0, 1), (0, 2)]);
        assert_eq!(received.iter().filter_map(|frame| missed_count(frame)).sum::<u64>(), 4);
        assert_eq!(frames("[]").count(), 0);
    }

    proptest::proptest! {
        #[test]
        fn any_batch_of_record_frames_splits_back_into_them(values in proptest::collection::vec(".*", 0..8)) {
            let sent: Vec<String> =
                values.iter().enumerate().map(|(offset, value)| record_frame(offset as i64, value)).collect();
            let batch = join_batch(sent.iter().map(String::as_str));
            proptest::prop_assert_eq!(frames(&batch).collect::<Vec<_>>(), sent.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
