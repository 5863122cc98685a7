//! Where schemas come from, and the rules that pick one for a key or value.
//!
//! A `SchemaSource` answers by id (the wire format's) and by topic (the directory's mapping of
//! plain bodies). Today the schema directory is the only source; a Schema Registry client can
//! be another, answering from a cache it fills by id, behind the same trait: the feed's
//! consumer calls it once per record on its own thread and must not wait on the network.

use std::sync::Arc;

use super::json_text::Misfit;
use super::schema::Schema;
use super::wire_format::{self, MAGIC};
use crate::wire::schema::{DecodeFailure, Decoding, Subject};

/// A record's key or its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Key,
    Value,
}

impl Part {
    pub fn label(self) -> &'static str {
        match self {
            Part::Key => "key",
            Part::Value => "value",
        }
    }
}

pub trait SchemaSource: Send + Sync {
    fn by_id(&self, id: u32) -> Option<Arc<Schema>>;
    /// The schema a topic's plain (unframed) keys or values are written with, if mapped.
    fn for_topic(&self, topic: &str, part: Part) -> Option<Arc<Schema>>;
    /// Every schema, for the producer box, in the order the source lists them.
    fn subjects(&self) -> Vec<Subject>;
}

/// The schemas this server decodes and encodes with; none unless a source is configured, and
/// then nothing is decoded at all (a binary record shows as hex, as it always has).
#[derive(Clone, Default)]
pub struct Schemas {
    source: Option<Arc<dyn SchemaSource>>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            None => f.write_str("no schemas"),
            Some(source) => write!(f, "{} schemas", source.subjects().len()),
        }
    }
}

/// Why the producer box's JSON was not encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("schema id {0} is not one this server knows")]
    UnknownId(u32),
    #[error("{subject}: {misfit}")]
    Misfit { subject: String, misfit: Misfit },
}

impl Schemas {
    pub fn new(source: Arc<dyn SchemaSource>) -> Self {
        Self { source: Some(source) }
    }

    pub fn subjects(&self) -> Vec<Subject> {
        self.source.as_ref().map(|s| s.subjects()).unwrap_or_default()
    }

    /// What the page is told about `bytes`, a key or value of `topic`: decoded, or why not;
    /// `None` when nothing about it calls for a schema. JSON over `limit` bytes is not sent.
    ///
    /// - A known schema id after a magic byte 0 decodes with that schema (the wire format).
    /// - On a topic the directory maps, a body that is not in the wire format decodes with the
    ///   mapped schema. A plain Avro body can start with a 0 byte too (a first field of 0), so
    ///   an unknown id there is tried as a plain body before it is called unknown.
    /// - A magic byte other than 0 in front of a known id is a wire-format record written
    ///   wrong, and said so.
    pub fn decode(&self, topic: &str, part: Part, bytes: &[u8], limit: usize) -> Option<Decoding> {
        let source = self.source.as_ref()?;
        let mapped = || source.for_topic(topic, part);
        let outcome =
            match wire_format::split(bytes) {
                Some((MAGIC, id, rest)) => match source.by_id(id) {
                    // A plain body on a mapped topic can look framed by chance; it wins only where
                    // the framed reading fails.
                    Some(schema) => schema.decode_framed(rest).map(|d| (d, true)).or_else(|failure| {
                        match mapped().map(|schema| schema.decode_plain(bytes)) {
                            Some(Ok(decoded)) => Ok((decoded, false)),
                            _ => Err(failure),
                        }
                    }),
                    None => match mapped().map(|schema| schema.decode_plain(bytes)) {
                        Some(Ok(decoded)) => Ok((decoded, false)),
                        _ => Err(DecodeFailure::UnknownSchemaId { id }),
                    },
                },
                Some((magic, id, _)) => match (mapped(), source.by_id(id)) {
                    (Some(schema), known) => match schema.decode_plain(bytes) {
                        Ok(decoded) => Ok((decoded, false)),
                        Err(_) if known.is_some() => Err(DecodeFailure::MagicByte { magic }),
                        Err(failure) => Err(failure),
                    },
                    (None, Some(_)) if std::str::from_utf8(bytes).is_err() => {
                        Err(DecodeFailure::MagicByte { magic })
                    }
                    (None, _) => return None,
                },
                None => mapped()?.decode_plain(bytes).map(|d| (d, false)),
            };
        Some(match outcome {
            Ok(((json, _), _)) if json.len() > limit => {
                Decoding::Failed { reason: DecodeFailure::TooLarge { size: json.len(), limit } }
            }
            Ok(((json, schema), wire_format)) => Decoding::Decoded { json, schema, wire_format },
            Err(reason) => Decoding::Failed { reason },
        })
    }

    /// The producer box's JSON, encoded with schema `id` in the wire format.
    pub fn encode(&self, id: u32, text: &str) -> Result<Vec<u8>, EncodeError> {
        let schema = self.source.as_ref().and_then(|s| s.by_id(id)).ok_or(EncodeError::UnknownId(id))?;
        schema
            .encode(text)
            .map_err(|misfit| EncodeError::Misfit { subject: schema.reference.choice(), misfit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::schemas::directory::Directory;
    use crate::wire::schema::SchemaFormat;

    const MAPPED: &str = "schemas.plain-avro";

    fn example() -> Schemas {
        Directory::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("end2end/schemas")).unwrap()
    }

    fn decoded(decoding: Option<Decoding>) -> (String, u32, bool) {
        match decoding {
            Some(Decoding::Decoded { json, schema, wire_format }) => (json, schema.id, wire_format),
            other => panic!("not decoded: {other:?}"),
        }
    }

    fn failed(decoding: Option<Decoding>) -> DecodeFailure {
        match decoding {
            Some(Decoding::Failed { reason }) => reason,
            other => panic!("not a failure: {other:?}"),
        }
    }

    /// `{"id": N, "item": "tea", "qty": 2}` in Avro's binary encoding, no header.
    fn plain_avro(id: u8) -> Vec<u8> {
        vec![id * 2, 6, b't', b'e', b'a', 4, 0]
    }

    #[test]
    fn the_wire_format_decodes_by_id_on_any_topic() {
        let schemas = example();
        let framed = schemas.encode(1, r#"{"id": 7, "item": "tea", "qty": 2}"#).unwrap();
        assert_eq!(
            decoded(schemas.decode("any", Part::Value, &framed, 1 << 20)),
            (r#"{"id":7,"item":"tea","qty":2,"note":null}"#.to_owned(), 1, true)
        );
        assert_eq!(decoded(schemas.decode("any", Part::Key, &framed, 1 << 20)).1, 1);
    }

    #[test]
    fn a_plain_body_decodes_only_on_a_topic_mapped_to_a_schema() {
        let schemas = example();
        let (_, id, wire_format) = decoded(schemas.decode(MAPPED, Part::Value, &plain_avro(7), 1 << 20));
        assert_eq!((id, wire_format), (1, false));
        assert_eq!(schemas.decode("unmapped", Part::Value, &plain_avro(7), 1 << 20), None);
        // Only values are mapped there.
        assert_eq!(schemas.decode(MAPPED, Part::Key, &plain_avro(7), 1 << 20), None);
        // A plain Avro body whose first byte is 0 is not taken for an unknown schema id.
        assert_eq!(
            decoded(schemas.decode(MAPPED, Part::Value, &plain_avro(0), 1 << 20)).0,
            r#"{"id":0,"item":"tea","qty":2,"note":null}"#
        );
        assert!(matches!(
            failed(schemas.decode(MAPPED, Part::Value, b"hello there", 1 << 20)),
            DecodeFailure::Mismatch { id: 1, .. }
        ));
    }

    #[test]
    fn a_plain_body_that_looks_framed_by_chance_still_decodes_on_its_mapped_topic() {
        let dir = tempfile::tempdir().unwrap();
        let ints = r#"{"type":"record","name":"Five","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"},{"name":"c","type":"int"},{"name":"d","type":"int"},{"name":"e","type":"int"}]}"#;
        std::fs::write(dir.path().join("five.avsc"), ints).unwrap();
        std::fs::write(
            dir.path().join("schemas.toml"),
            "[[schema]]\nfile = \"five.avsc\"\nsubject = \"five\"\nversion = 1\nid = 1\nvalue-topics = [\"t\"]\n",
        )
        .unwrap();
        let schemas = Directory::load(dir.path()).unwrap();
        // 0, 0, 0, 0, -1: a magic byte 0 and id 1, then nothing a framed record of id 1 can be.
        let body = [0, 0, 0, 0, 1];
        let (json, id, wire_format) = decoded(schemas.decode("t", Part::Value, &body, 1 << 20));
        assert_eq!((json.as_str(), id, wire_format), (r#"{"a":0,"b":0,"c":0,"d":0,"e":-1}"#, 1, false));
        // Elsewhere it is what it looks like: a framed record that does not decode.
        assert!(matches!(
            failed(schemas.decode("other", Part::Value, &body, 1 << 20)),
            DecodeFailure::Malformed { .. }
        ));
    }

    #[test]
    fn each_failure_says_which_kind_it_is() {
        let schemas = example();
        let decode = |bytes: &[u8]| schemas.decode("t", Part::Value, bytes, 1 << 20);
        assert_eq!(failed(decode(&[0, 0, 0, 0, 99, 0xff])), DecodeFailure::UnknownSchemaId { id: 99 });
        assert_eq!(failed(decode(&[1, 0, 0, 0, 1, 0xff])), DecodeFailure::MagicByte { magic: 1 });
        assert!(matches!(failed(decode(&[0, 0, 0, 0, 1, 0xff])), DecodeFailure::Malformed { id: 1, .. }));
        assert!(matches!(
            failed(decode(b"\0\0\0\0\x03{\"id\":\"x\"}")),
            DecodeFailure::Mismatch { id: 3, .. }
        ));
        // Text that happens to start with a byte and a known id is text, not a broken record.
        assert_eq!(decode(b"a\0\0\0\x01 and more"), None);
        assert_eq!(decode(b"plain text"), None);
    }

    #[test]
    fn json_over_the_forward_limit_is_not_sent() {
        let schemas = example();
        let framed = schemas.encode(3, r#"{"id": 7, "item": "tea", "qty": 2}"#).unwrap();
        assert_eq!(
            failed(schemas.decode("t", Part::Value, &framed, 10)),
            DecodeFailure::TooLarge { size: 34, limit: 10 }
        );
    }

    #[test]
    fn without_a_source_nothing_is_decoded_and_nothing_encoded() {
        let none = Schemas::default();
        assert_eq!(none.decode("t", Part::Value, &[0, 0, 0, 0, 1, 2], 1 << 20), None);
        assert_eq!(none.encode(1, "{}"), Err(EncodeError::UnknownId(1)));
        assert_eq!(example().subjects()[1].schema.format, SchemaFormat::Protobuf);
    }
}
