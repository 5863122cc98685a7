//! Wire types shared by the server and the browser.
//!
//! Everything that crosses the WebSocket or a server function is defined here once, so the
//! two halves cannot drift apart: the server serialises these with serde, the WASM client
//! deserialises the very same types.

use serde::{Deserialize, Serialize};

/// A record as the live feed shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// `None` when the broker gave none.
    pub timestamp: Option<Timestamp>,
    /// `None` is a null key, which is not the same thing as an empty one.
    pub key: Option<Payload>,
    /// In the order the record carries them; a name may repeat.
    pub headers: Vec<RecordHeader>,
    /// `None` is a null value (a tombstone).
    pub value: Option<Payload>,
    /// Bytes the record holds in Kafka: key, value, header names and values.
    pub size: usize,
    /// The server forwards at most its per-record maximum of each part; `true` means this
    /// record was cut to it (`size` is still the whole record's).
    pub cut: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamp {
    /// Milliseconds since the Unix epoch.
    pub ms: i64,
    pub kind: TimestampKind,
}

/// Who set the timestamp: the producer, or the broker when it appended the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimestampKind {
    CreateTime,
    LogAppendTime,
}

impl TimestampKind {
    pub fn label(self) -> &'static str {
        match self {
            TimestampKind::CreateTime => "CreateTime",
            TimestampKind::LogAppendTime => "LogAppendTime",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordHeader {
    pub name: String,
    /// `None` is a null header value.
    pub value: Option<Payload>,
}

/// Bytes from Kafka, made safe to show.
///
/// Kafka values are arbitrary bytes. Text is passed on as text (the page renders it as a text
/// node, never as HTML); anything that is not UTF-8 is hex-encoded so that it survives JSON
/// and never breaks the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Payload {
    Text(String),
    /// Lower-case hex of the raw bytes.
    Binary(String),
}

impl Payload {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => Payload::Text(text.to_owned()),
            Err(_) => Payload::Binary(to_hex(bytes)),
        }
    }

    /// At most `limit` bytes of `bytes`, and whether anything was cut. Text is cut on a
    /// character boundary, so what survives is still text.
    pub fn from_bytes_at_most(bytes: &[u8], limit: usize) -> (Self, bool) {
        if bytes.len() <= limit {
            return (Self::from_bytes(bytes), false);
        }
        let head = &bytes[..limit];
        let payload = match std::str::from_utf8(head) {
            Ok(text) => Payload::Text(text.to_owned()),
            // Cut through the middle of a character: keep the valid part, if that is all it is.
            Err(error) if error.error_len().is_none() && std::str::from_utf8(bytes).is_ok() => {
                Payload::Text(String::from_utf8_lossy(&head[..error.valid_up_to()]).into_owned())
            }
            Err(_) => Payload::Binary(to_hex(head)),
        };
        (payload, true)
    }

    /// What the feed displays: the text itself, or the hex with a marker that says so.
    pub fn display(&self) -> String {
        match self {
            Payload::Text(text) => text.clone(),
            Payload::Binary(hex) => format!("0x{hex}"),
        }
    }

    pub fn is_binary(&self) -> bool {
        matches!(self, Payload::Binary(_))
    }

    /// The text, when the bytes were text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Payload::Text(text) => Some(text),
            Payload::Binary(_) => None,
        }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    out
}

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

/// Where Kafka stored one produced record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Placed {
    pub partition: i32,
    pub offset: i64,
}

/// Where Kafka stored what one Submit produced, in the order it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub topic: String,
    pub records: Vec<Placed>,
}

impl Receipt {
    pub fn first(&self) -> Option<Placed> {
        self.records.first().copied()
    }
}

/// "Delivered to order [partition 1] at offset 5", or for many records
/// "Delivered 3 records to order: partition 0 at offsets 4–5, partition 2 at offset 9".
impl std::fmt::Display for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let [one] = self.records.as_slice() {
            return write!(
                f,
                "Delivered to {} [partition {}] at offset {}",
                self.topic, one.partition, one.offset
            );
        }
        let mut per_partition = std::collections::BTreeMap::<i32, Vec<i64>>::new();
        for placed in &self.records {
            per_partition.entry(placed.partition).or_default().push(placed.offset);
        }
        write!(f, "Delivered {} records to {}:", self.records.len(), self.topic)?;
        for (index, (partition, offsets)) in per_partition.iter_mut().enumerate() {
            offsets.sort_unstable();
            let separator = if index == 0 { " " } else { ", " };
            let word = if offsets.len() == 1 { "offset" } else { "offsets" };
            write!(f, "{separator}partition {partition} at {word} {}", ranges(offsets))?;
        }
        Ok(())
    }
}

/// `[4, 5, 6, 9]` → "4–6, 9".
fn ranges(sorted: &[i64]) -> String {
    let mut out = Vec::new();
    let mut iter = sorted.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end = iter.next().unwrap_or(end);
        }
        out.push(if start == end { start.to_string() } else { format!("{start}–{end}") });
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bytes_stay_text() {
        assert_eq!(Payload::from_bytes("héllo".as_bytes()), Payload::Text("héllo".into()));
    }

    #[test]
    fn other_bytes_become_hex() {
        let payload = Payload::from_bytes(&[0xff, 0x00, 0x41]);
        assert_eq!(payload, Payload::Binary("ff0041".into()));
        assert_eq!(payload.display(), "0xff0041");
    }

    #[test]
    fn a_cut_keeps_text_text_even_through_a_character() {
        assert_eq!(Payload::from_bytes_at_most(b"abcdef", 3), (Payload::Text("abc".into()), true));
        // "é" is two bytes; cutting after its first byte keeps what came before it.
        assert_eq!(Payload::from_bytes_at_most("aéb".as_bytes(), 2), (Payload::Text("a".into()), true));
        assert_eq!(Payload::from_bytes_at_most(&[0xff, 1, 2], 2), (Payload::Binary("ff01".into()), true));
        assert_eq!(Payload::from_bytes_at_most(b"abc", 3), (Payload::Text("abc".into()), false));
    }

    #[test]
    fn a_receipt_says_how_many_and_where() {
        let placed = |partition, offset| Placed { partition, offset };
        let one = Receipt { topic: "order".into(), records: vec![placed(1, 5)] };
        assert_eq!(one.to_string(), "Delivered to order [partition 1] at offset 5");
        let many = Receipt { topic: "order".into(), records: vec![placed(0, 4), placed(2, 9), placed(0, 5)] };
        assert_eq!(
            many.to_string(),
            "Delivered 3 records to order: partition 0 at offsets 4–5, partition 2 at offset 9"
        );
    }

    #[test]
    fn frames_round_trip_through_json() {
        let frame = ServerFrame::Record(FeedRecord {
            topic: "order".into(),
            partition: 2,
            offset: 7,
            timestamp: Some(Timestamp { ms: 1, kind: TimestampKind::CreateTime }),
            key: None,
            headers: vec![RecordHeader { name: "trace".into(), value: Some(Payload::Text("x".into())) }],
            value: Some(Payload::Text("<b>hi</b>".into())),
            size: 15,
            cut: false,
        });
        let json = serde_json::to_string(&frame).unwrap();
        assert_eq!(serde_json::from_str::<ServerFrame>(&json).unwrap(), frame);
        // The cheap reader agrees with the real encoding, whatever the value holds.
        assert_eq!(record_position(&json), Some((2, 7)));
        let missed = serde_json::to_string(&ServerFrame::Missed { count: 12 }).unwrap();
        assert_eq!((record_position(&missed), missed_count(&missed)), (None, Some(12)));
    }
}
