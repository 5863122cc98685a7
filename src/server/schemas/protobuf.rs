//! Protobuf bodies to JSON and back: `.proto` text compiled in-process by `protox` (no
//! `protoc` to install), messages read and written by `prost-reflect`, JSON in Protobuf's own
//! JSON mapping (what Confluent's and Google's tools print).
//!
//! A `.proto` file may hold many messages, so Confluent's wire format names the one a body is
//! with message indexes (see `wire_format`): `[0]` the file's first message, `[1, 0]` the first
//! message nested in its second. They are resolved here.

use std::path::Path;

use prost::Message as _;
use prost_reflect::{DynamicMessage, FileDescriptor, MessageDescriptor, SerializeOptions};
use serde_json::Value as Json;

use super::json_text::Misfit;

pub struct Protobuf {
    file: FileDescriptor,
    /// The message a producer encodes: the mapping's `message`, else the file's first.
    message: MessageDescriptor,
    /// Its message indexes in the file, for the wire format.
    indexes: Vec<i32>,
}

impl Protobuf {
    /// Compiles `file` (relative to `dir`, where its imports are looked for too).
    pub fn compile(dir: &Path, file: &str, message: Option<&str>) -> Result<Self, String> {
        let mut compiler = protox::Compiler::new([dir]).map_err(|e| e.to_string())?;
        compiler.include_imports(true);
        compiler.open_file(file).map_err(|e| e.to_string())?;
        let pool = compiler.descriptor_pool();
        let file = pool.get_file_by_name(file).ok_or_else(|| format!("{file} was not compiled"))?;
        let message = match message {
            Some(name) => {
                pool.get_message_by_name(name).ok_or_else(|| format!("no message `{name}` in it"))?
            }
            None => file.messages().next().ok_or("it declares no message")?,
        };
        let indexes = indexes_of(&file, &message).ok_or("the message is not declared in this file")?;
        Ok(Self { file, message, indexes })
    }

    pub fn message_name(&self) -> &str {
        self.message.full_name()
    }

    pub fn indexes(&self) -> &[i32] {
        &self.indexes
    }

    /// The message the indexes name.
    pub fn resolve(&self, indexes: &[i32]) -> Result<MessageDescriptor, String> {
        let missing = || format!("message indexes {indexes:?} name no message in {}", self.file.name());
        let (&first, rest) = indexes.split_first().ok_or_else(missing)?;
        let mut message =
            self.file.messages().nth(usize::try_from(first).map_err(|_| missing())?).ok_or_else(missing)?;
        for &index in rest {
            let index = usize::try_from(index).map_err(|_| missing())?;
            let child = message.child_messages().nth(index);
            message = child.ok_or_else(missing)?;
        }
        Ok(message)
    }

    /// The body as compact JSON, fields in their declared order.
    pub fn decode(&self, message: &MessageDescriptor, body: &[u8]) -> Result<String, String> {
        let decoded = DynamicMessage::decode(message.clone(), body).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        let mut serializer = serde_json::Serializer::new(&mut out);
        decoded
            .serialize_with_options(&mut serializer, &SerializeOptions::new())
            .map_err(|e| e.to_string())?;
        String::from_utf8(out).map_err(|e| e.to_string())
    }

    /// JSON typed by a user, as the producer's message; `Err` names the field that does not fit.
    pub fn encode(&self, json: &Json) -> Result<Vec<u8>, Misfit> {
        let mut track = serde_path_to_error::Track::new();
        let deserializer = serde_path_to_error::Deserializer::new(json, &mut track);
        match DynamicMessage::deserialize(self.message.clone(), deserializer) {
            Ok(message) => Ok(message.encode_to_vec()),
            Err(error) => {
                let path = track.path().to_string();
                let mut path = if path == "." { "$".to_owned() } else { format!("$.{path}") };
                let reason = error.to_string();
                // serde reports an unknown field at its object; the field itself is the place.
                if let Some(name) =
                    reason.strip_prefix("unrecognized field name '").and_then(|rest| rest.split('\'').next())
                {
                    path = format!("{path}.{name}");
                }
                Err(Misfit { path, reason })
            }
        }
    }
}

/// Where `message` sits in `file`: its index among the top-level messages, then among each
/// parent's nested ones.
fn indexes_of(file: &FileDescriptor, message: &MessageDescriptor) -> Option<Vec<i32>> {
    fn search(found: &MessageDescriptor, candidates: Vec<MessageDescriptor>, path: &mut Vec<i32>) -> bool {
        for (index, candidate) in candidates.into_iter().enumerate() {
            path.push(index as i32);
            if candidate.full_name() == found.full_name()
                || search(found, candidate.child_messages().collect(), path)
            {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = Vec::new();
    search(message, file.messages().collect(), &mut path).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROTO: &str = r#"syntax = "proto3";
package shop;
message Customer { string name = 1; }
message Order {
  int64 id = 1;
  string item = 2;
  int32 qty = 3;
  message Line { string sku = 1; }
  repeated Line lines = 4;
}
"#;

    fn compiled(message: Option<&str>) -> Protobuf {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("order.proto"), PROTO).unwrap();
        Protobuf::compile(dir.path(), "order.proto", message).unwrap()
    }

    #[test]
    fn message_indexes_name_top_level_and_nested_messages() {
        let proto = compiled(Some("shop.Order"));
        assert_eq!(proto.indexes(), [1]);
        assert_eq!(proto.resolve(&[0]).unwrap().full_name(), "shop.Customer");
        assert_eq!(proto.resolve(&[1, 0]).unwrap().full_name(), "shop.Order.Line");
        assert_eq!(proto.resolve(&[2]).unwrap_err(), "message indexes [2] name no message in order.proto");
        assert_eq!(compiled(Some("shop.Order.Line")).indexes(), [1, 0]);
        assert_eq!(compiled(None).message_name(), "shop.Customer");
    }

    #[test]
    fn json_round_trips_through_the_binary_body() {
        let proto = compiled(Some("shop.Order"));
        let body = proto
            .encode(&serde_json::json!({"id": "7", "item": "tea", "qty": 2, "lines": [{"sku": "t-1"}]}))
            .unwrap();
        let order = proto.resolve(&[1]).unwrap();
        assert_eq!(
            proto.decode(&order, &body).unwrap(),
            r#"{"id":"7","item":"tea","qty":2,"lines":[{"sku":"t-1"}]}"#
        );
    }

    #[test]
    fn json_that_does_not_fit_names_the_field() {
        let proto = compiled(Some("shop.Order"));
        let misfit = proto.encode(&serde_json::json!({"item": "tea", "lines": [{"sku": 5}]})).unwrap_err();
        assert_eq!(misfit.path, "$.lines[0].sku");
        let misfit = proto.encode(&serde_json::json!({"colour": "red"})).unwrap_err();
        assert_eq!(misfit.path, "$.colour", "{}", misfit.reason);
    }
}
