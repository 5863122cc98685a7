//! Schemas: records in Confluent's wire format (Avro, Protobuf, JSON Schema) decoded once as
//! the server reads them, and the producer box's JSON encoded with a chosen schema.
//!
//! `directory` loads the schemas a setting names; `source` holds them behind a trait a registry
//! client can implement later, and picks the schema for a key or value (`wire_format` reads
//! Confluent's framing); `schema` decodes and encodes one body through `avro`, `protobuf` or
//! `json_schema`. The JSON they write keeps the schema's field order (`json_text`).
//!
//! Written by hand: the JSON-to-Avro conversion (the crate's own says neither where a value does
//! not fit nor keeps field order), the wire format and its message indexes (a few lines, and no
//! crate for them outside a registry client). The crates do the formats themselves.

pub mod avro;
pub mod directory;
pub mod json_schema;
pub mod json_text;
pub mod protobuf;
pub mod schema;
pub mod source;
pub mod wire_format;
