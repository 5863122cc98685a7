//! Schemas as the page sees them: which schema a record's key or value was decoded with (or why
//! it was not), and the subjects the producer box can encode with. The server decodes each
//! record once (`server::schemas`); every page gets the JSON and the schema line.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemaFormat {
    Avro,
    Protobuf,
    JsonSchema,
}

impl SchemaFormat {
    pub fn label(self) -> &'static str {
        match self {
            SchemaFormat::Avro => "Avro",
            SchemaFormat::Protobuf => "Protobuf",
            SchemaFormat::JsonSchema => "JSON Schema",
        }
    }
}

/// One schema of the schema directory (later: of a registry), as Confluent names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaRef {
    pub subject: String,
    pub version: u32,
    /// The id Confluent's wire format carries after its magic byte.
    pub id: u32,
    pub format: SchemaFormat,
    /// Protobuf: the message type the record was (or is to be) encoded with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl SchemaRef {
    /// The record's schema line: "schema orders-value v1, id 1, Avro".
    pub fn line(&self) -> String {
        let message = self.message.as_ref().map(|m| format!(", message {m}")).unwrap_or_default();
        format!("schema {} v{}, id {}, {}{message}", self.subject, self.version, self.id, self.format.label())
    }

    /// What the producer box's chooser shows for it.
    pub fn choice(&self) -> String {
        format!("{} v{} (id {}, {})", self.subject, self.version, self.id, self.format.label())
    }
}

/// What the server made of a key or value with a schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decoding {
    /// Decoded: `json` is the body as JSON (compact; the page pretty-prints it).
    Decoded {
        json: String,
        schema: SchemaRef,
        /// Framed in Confluent's wire format (magic byte, schema id), as opposed to a plain
        /// body on a topic the schema directory maps to the schema.
        wire_format: bool,
    },
    /// Looked like it needed a schema, and could not be decoded; the bytes show as they are.
    Failed { reason: DecodeFailure },
}

impl Decoding {
    /// The JSON and the schema it was decoded with; `None` for a failure.
    pub fn decoded(&self) -> Option<(&str, &SchemaRef)> {
        match self {
            Decoding::Decoded { json, schema, .. } => Some((json, schema)),
            Decoding::Failed { .. } => None,
        }
    }
}

/// Why a key or value that calls for a schema was not decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum DecodeFailure {
    #[error("not decoded: unknown schema id {id}")]
    UnknownSchemaId { id: u32 },
    #[error("not decoded: looks like wire format but magic byte is {magic} (expected 0)")]
    MagicByte { magic: u8 },
    #[error("not decoded: malformed {format} body for schema {subject} (id {id}): {detail}")]
    Malformed { format: String, subject: String, id: u32, detail: String },
    #[error("not decoded: does not match schema {subject} (id {id}): {detail}")]
    Mismatch { subject: String, id: u32, detail: String },
    #[error(
        "not decoded: the decoded JSON is {size} bytes, more than the {limit} the server forwards to a page"
    )]
    TooLarge { size: usize, limit: usize },
}

/// A schema the producer box may encode with, and where the directory maps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub schema: SchemaRef,
    #[serde(default)]
    pub key_topics: Vec<String>,
    #[serde(default)]
    pub value_topics: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avro() -> SchemaRef {
        SchemaRef {
            subject: "orders-value".into(),
            version: 1,
            id: 1,
            format: SchemaFormat::Avro,
            message: None,
        }
    }

    #[test]
    fn the_schema_line_names_subject_version_id_and_format() {
        assert_eq!(avro().line(), "schema orders-value v1, id 1, Avro");
        let proto =
            SchemaRef { format: SchemaFormat::Protobuf, message: Some("shop.Order".into()), ..avro() };
        assert_eq!(proto.line(), "schema orders-value v1, id 1, Protobuf, message shop.Order");
    }

    #[test]
    fn each_failure_starts_not_decoded_and_says_why() {
        assert_eq!(
            DecodeFailure::UnknownSchemaId { id: 42 }.to_string(),
            "not decoded: unknown schema id 42"
        );
        assert_eq!(
            DecodeFailure::MagicByte { magic: 1 }.to_string(),
            "not decoded: looks like wire format but magic byte is 1 (expected 0)"
        );
    }

    #[test]
    fn decodings_round_trip_through_json() {
        for decoding in [
            Decoding::Decoded { json: r#"{"a":1}"#.into(), schema: avro(), wire_format: true },
            Decoding::Failed {
                reason: DecodeFailure::Mismatch { subject: "s".into(), id: 3, detail: "/a".into() },
            },
        ] {
            let text = serde_json::to_string(&decoding).unwrap();
            assert_eq!(serde_json::from_str::<Decoding>(&text).unwrap(), decoding);
        }
    }
}
