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
    /// The server forwards at most its per-record maximum of each part, measured as the part
    /// is encoded on the wire; `true` means this record was cut to it (`size` is still the
    /// whole record's).
    pub cut: bool,
    /// Headers past the server's budget for one record's headers, counted and not sent.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted_headers: u32,
}

#[cfg(test)]
impl FeedRecord {
    /// A text record `"{partition}:{offset}"` of topic `t`, for the unit tests of both sides.
    pub fn sample(partition: i32, offset: i64) -> Self {
        let text = format!("{partition}:{offset}");
        FeedRecord {
            topic: "t".into(),
            partition,
            offset,
            timestamp: None,
            key: None,
            headers: Vec::new(),
            size: text.len(),
            value: Some(Payload::Text(text)),
            cut: false,
            omitted_headers: 0,
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
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
    /// The name as text. Kafka header names are bytes on the wire: one that is not UTF-8 is
    /// `0x` and the hex of its bytes, with `binary_name` set.
    pub name: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub binary_name: bool,
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

    /// At most `limit` bytes of `bytes` as the part is encoded in a frame, and whether
    /// anything was cut. JSON escaping grows a control character six-fold (`\u0001`) and hex
    /// doubles every byte, so the limit counts what goes on the wire, not what Kafka holds:
    /// whatever a record holds, its frame stays bounded. Text is cut on a character boundary,
    /// so what survives is still text.
    pub fn from_bytes_at_most(bytes: &[u8], limit: usize) -> (Self, bool) {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                let end = text_prefix_within(text, limit);
                (Payload::Text(text[..end].to_owned()), end < text.len())
            }
            Err(_) => {
                let keep = bytes.len().min(limit / 2);
                (Payload::Binary(to_hex(&bytes[..keep])), keep < bytes.len())
            }
        }
    }

    /// Bytes this payload takes inside a frame's JSON string.
    pub fn encoded_len(&self) -> usize {
        match self {
            Payload::Text(text) => text.chars().map(json_escaped_len).sum(),
            Payload::Binary(hex) => hex.len(),
        }
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

/// The longest prefix of `text`, in bytes and on a character boundary, whose JSON-escaped form
/// fits `limit`.
fn text_prefix_within(text: &str, limit: usize) -> usize {
    let mut encoded = 0;
    for (at, c) in text.char_indices() {
        encoded += json_escaped_len(c);
        if encoded > limit {
            return at;
        }
    }
    text.len()
}

/// What serde_json writes for `c` inside a string.
fn json_escaped_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
        '\0'..='\u{1f}' => 6,
        other => other.len_utf8(),
    }
}

pub fn to_hex(bytes: &[u8]) -> String {
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
///
/// A broker may acknowledge a record without its offset (Kafka does for a resent duplicate it
/// already had); the receipt then says so instead of showing a negative offset.
impl std::fmt::Display for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let [one] = self.records.as_slice() {
            return write!(
                f,
                "Delivered to {} [partition {}] {}",
                self.topic,
                one.partition,
                at_offset(one.offset)
            );
        }
        let mut per_partition = std::collections::BTreeMap::<i32, (Vec<i64>, usize)>::new();
        for placed in &self.records {
            let (known, unknown) = per_partition.entry(placed.partition).or_default();
            if placed.offset >= 0 {
                known.push(placed.offset);
            } else {
                *unknown += 1;
            }
        }
        write!(f, "Delivered {} records to {}:", self.records.len(), self.topic)?;
        for (index, (partition, (offsets, unknown))) in per_partition.iter_mut().enumerate() {
            offsets.sort_unstable();
            let separator = if index == 0 { " " } else { ", " };
            write!(f, "{separator}partition {partition}")?;
            if !offsets.is_empty() {
                let word = if offsets.len() == 1 { "offset" } else { "offsets" };
                write!(f, " at {word} {}", ranges(offsets))?;
            }
            match (*unknown, offsets.is_empty()) {
                (0, _) => {}
                (1, true) => write!(f, " at an offset {UNREPORTED}")?,
                (n, true) => write!(f, " at {n} offsets {UNREPORTED}")?,
                (n, false) => write!(f, " and {n} more at offsets {UNREPORTED}")?,
            }
        }
        Ok(())
    }
}

/// "at offset 5", or why there is none.
pub fn at_offset(offset: i64) -> String {
    if offset >= 0 { format!("at offset {offset}") } else { format!("at an offset {UNREPORTED}") }
}

/// Why a receipt has no offset for a record.
const UNREPORTED: &str =
    "the broker did not report (it acknowledges a resent duplicate it already had without one)";

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
        assert_eq!(Payload::from_bytes_at_most(b"abc", 3), (Payload::Text("abc".into()), false));
    }

    #[test]
    fn a_cut_counts_what_goes_on_the_wire_not_what_kafka_holds() {
        // Hex doubles every byte: four bytes of wire hold two bytes of a binary value.
        assert_eq!(Payload::from_bytes_at_most(&[0xff, 1, 2], 4), (Payload::Binary("ff01".into()), true));
        // JSON escapes a control character as six bytes, a quote as two.
        let controls = [1u8; 10];
        let (cut, was_cut) = Payload::from_bytes_at_most(&controls, 20);
        assert_eq!((cut.encoded_len(), was_cut), (18, true));
        assert_eq!(Payload::from_bytes_at_most(br#"a"b"#, 3), (Payload::Text("a\"".into()), true));
        // Whatever the bytes, the part's frame stays within the limit.
        let (cut, _) = Payload::from_bytes_at_most(&vec![0u8; 1 << 20], 1 << 16);
        assert!(serde_json::to_string(&cut).unwrap().len() < (1 << 16) + 64);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_cut_to_their_limit_on_the_wire(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), limit in 0usize..400) {
            let (payload, cut) = Payload::from_bytes_at_most(&bytes, limit);
            proptest::prop_assert!(payload.encoded_len() <= limit);
            let inner = serde_json::to_string(&payload).unwrap();
            let data = match &payload { Payload::Text(t) | Payload::Binary(t) => serde_json::to_string(t).unwrap() };
            proptest::prop_assert_eq!(data.len() - 2, payload.encoded_len(), "{}", inner);
            proptest::prop_assert!(cut || payload == Payload::from_bytes(&bytes));
        }
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
    fn a_receipt_without_an_offset_says_why() {
        let placed = |partition, offset| Placed { partition, offset };
        let one = Receipt { topic: "order".into(), records: vec![placed(1, -1)] };
        assert_eq!(
            one.to_string(),
            "Delivered to order [partition 1] at an offset the broker did not report (it acknowledges a resent duplicate it already had without one)"
        );
        let many =
            Receipt { topic: "order".into(), records: vec![placed(0, 4), placed(0, -1), placed(2, -1001)] };
        let text = many.to_string();
        assert!(text.starts_with("Delivered 3 records to order: partition 0 at offset 4 and 1 more at offsets the broker did not report"), "{text}");
        assert!(text.contains(", partition 2 at an offset the broker did not report"), "{text}");
        assert!(!text.contains("-1"), "{text}");
    }

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
        });
        let json = serde_json::to_string(&frame).unwrap();
        assert_eq!(serde_json::from_str::<ServerFrame>(&json).unwrap(), frame);
        // The cheap reader agrees with the real encoding, whatever the value holds.
        assert_eq!(record_position(&json), Some((2, 7)));
        let missed = serde_json::to_string(&ServerFrame::Missed { count: 12 }).unwrap();
        assert_eq!((record_position(&missed), missed_count(&missed)), (None, Some(12)));
    }
}
