//! A record as the live feed shows it: its place, time, key, headers and value, each part
//! text when it is UTF-8 and hex when it is not, cut to what a page is sent.

use serde::{Deserialize, Serialize};

use crate::wire::schema::Decoding;

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
    /// The key decoded with a schema, or why it was not; `None` when nothing called for one.
    /// Boxed: most records have none, and every record frame carries the two fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_decoding: Option<Box<Decoding>>,
    /// The same for the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_decoding: Option<Box<Decoding>>,
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
            key_decoding: None,
            value_decoding: None,
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
}
