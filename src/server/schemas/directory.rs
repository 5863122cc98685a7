//! The schema directory: `.avsc`, `.proto` and JSON Schema `.json` files, and `schemas.toml`,
//! which says what each file is in a registry's terms and which topics use it:
//!
//! ```toml
//! [[schema]]
//! file = "order.avsc"          # .avsc Avro, .proto Protobuf, .json JSON Schema
//! subject = "orders-value"
//! version = 1
//! id = 1                        # the id Confluent's wire format carries
//! value-topics = ["orders"]     # plain (unframed) values of these topics use it
//! key-topics = []
//! message = "shop.Order"        # Protobuf: the message the producer box writes
//! ```
//!
//! Everything is read and compiled at start-up; a mistake stops start-up with the file's name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::avro::Avro;
use super::json_schema::JsonSchema;
use super::protobuf::Protobuf;
use super::schema::{Body, Schema};
use super::source::{Part, SchemaSource, Schemas};
use crate::wire::schema::{SchemaFormat, SchemaRef, Subject};

pub const MAPPING_FILE: &str = "schemas.toml";

#[derive(Debug, thiserror::Error)]
#[error("schema directory {}: {file}: {reason}", dir.display())]
pub struct DirectoryError {
    pub dir: PathBuf,
    pub file: String,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mapping {
    #[serde(default)]
    schema: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Entry {
    file: String,
    subject: String,
    version: u32,
    id: u32,
    #[serde(default)]
    key_topics: Vec<String>,
    #[serde(default)]
    value_topics: Vec<String>,
    message: Option<String>,
}

pub struct Directory {
    /// In the mapping file's order.
    schemas: Vec<(Arc<Schema>, Subject)>,
    by_id: HashMap<u32, Arc<Schema>>,
    by_topic: HashMap<(String, bool), Arc<Schema>>,
}

impl Directory {
    pub fn load(dir: &Path) -> Result<Schemas, DirectoryError> {
        let fail = |file: &str, reason: String| DirectoryError {
            dir: dir.to_owned(),
            file: file.to_owned(),
            reason,
        };
        let text =
            std::fs::read_to_string(dir.join(MAPPING_FILE)).map_err(|e| fail(MAPPING_FILE, e.to_string()))?;
        let mapping: Mapping =
            toml::from_str(&text).map_err(|e| fail(MAPPING_FILE, e.message().to_owned()))?;
        let mut directory =
            Directory { schemas: Vec::new(), by_id: HashMap::new(), by_topic: HashMap::new() };
        for entry in mapping.schema {
            let schema = Arc::new(compile(dir, &entry).map_err(|reason| fail(&entry.file, reason))?);
            if directory.by_id.insert(entry.id, Arc::clone(&schema)).is_some() {
                return Err(fail(MAPPING_FILE, format!("schema id {} is given twice", entry.id)));
            }
            for (topics, is_key) in [(&entry.key_topics, true), (&entry.value_topics, false)] {
                for topic in topics {
                    if directory.by_topic.insert((topic.clone(), is_key), Arc::clone(&schema)).is_some() {
                        let part = if is_key { "keys" } else { "values" };
                        return Err(fail(
                            MAPPING_FILE,
                            format!("the {part} of topic {topic} are mapped twice"),
                        ));
                    }
                }
            }
            let subject = Subject {
                schema: schema.reference.clone(),
                key_topics: entry.key_topics,
                value_topics: entry.value_topics,
            };
            directory.schemas.push((schema, subject));
        }
        Ok(Schemas::new(Arc::new(directory)))
    }
}

fn compile(dir: &Path, entry: &Entry) -> Result<Schema, String> {
    let read = || std::fs::read_to_string(dir.join(&entry.file)).map_err(|e| e.to_string());
    let (format, body) = match Path::new(&entry.file).extension().and_then(|e| e.to_str()) {
        Some("avsc") => (SchemaFormat::Avro, Body::Avro(Avro::parse(&read()?)?)),
        Some("proto") => (
            SchemaFormat::Protobuf,
            Body::Protobuf(Protobuf::compile(dir, &entry.file, entry.message.as_deref())?),
        ),
        Some("json") => (SchemaFormat::JsonSchema, Body::Json(JsonSchema::parse(&read()?)?)),
        _ => return Err("not a .avsc, .proto or .json file".into()),
    };
    if entry.message.is_some() && format != SchemaFormat::Protobuf {
        return Err("`message` is for Protobuf schemas only".into());
    }
    let message = match &body {
        Body::Protobuf(proto) => Some(proto.message_name().to_owned()),
        _ => None,
    };
    let reference =
        SchemaRef { subject: entry.subject.clone(), version: entry.version, id: entry.id, format, message };
    Ok(Schema { reference, body })
}

impl SchemaSource for Directory {
    fn by_id(&self, id: u32) -> Option<Arc<Schema>> {
        self.by_id.get(&id).cloned()
    }

    fn for_topic(&self, topic: &str, part: Part) -> Option<Arc<Schema>> {
        self.by_topic.get(&(topic.to_owned(), part == Part::Key)).cloned()
    }

    fn subjects(&self) -> Vec<Subject> {
        self.schemas.iter().map(|(_, subject)| subject.clone()).collect()
    }
}
