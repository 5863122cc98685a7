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
    /// Milliseconds since the Unix epoch, as Kafka stored it; `None` when the broker gave none.
    pub timestamp_ms: Option<i64>,
    /// `None` is a null key, which is not the same thing as an empty one.
    pub key: Option<Payload>,
    /// `None` is a null value (a tombstone).
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

/// Where Kafka stored a produced record: what the page shows after Submit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

impl std::fmt::Display for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Delivered to {} [partition {}] at offset {}", self.topic, self.partition, self.offset)
    }
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
    fn frames_round_trip_through_json() {
        let frame = ServerFrame::Record(FeedRecord {
            topic: "order".into(),
            partition: 2,
            offset: 7,
            timestamp_ms: Some(1),
            key: None,
            value: Some(Payload::Text("<b>hi</b>".into())),
        });
        let json = serde_json::to_string(&frame).unwrap();
        assert_eq!(serde_json::from_str::<ServerFrame>(&json).unwrap(), frame);
    }
}
