//! One schema: its name in Confluent's terms (`SchemaRef`) and the compiled form that reads and
//! writes its bodies, whichever the format.

use serde_json::Value as Json;

use super::avro::Avro;
use super::json_schema::JsonSchema;
use super::json_text::Misfit;
use super::protobuf::Protobuf;
use super::wire_format;
use crate::wire::schema::{DecodeFailure, SchemaRef};

pub enum Body {
    Avro(Avro),
    Protobuf(Protobuf),
    Json(JsonSchema),
}

pub struct Schema {
    pub reference: SchemaRef,
    pub body: Body,
}

/// A body decoded: compact JSON, and the schema line (for Protobuf, with the message found).
pub type Decoded = (String, SchemaRef);

impl Schema {
    /// The bytes after a wire-format header that named this schema's id.
    pub fn decode_framed(&self, rest: &[u8]) -> Result<Decoded, DecodeFailure> {
        let malformed = |detail: String| DecodeFailure::Malformed {
            format: self.reference.format.label().to_owned(),
            subject: self.reference.subject.clone(),
            id: self.reference.id,
            detail,
        };
        match &self.body {
            Body::Avro(avro) => Ok((avro.decode(rest).map_err(malformed)?, self.reference.clone())),
            Body::Protobuf(proto) => {
                let (indexes, body) = wire_format::message_indexes(rest).map_err(malformed)?;
                let message = proto.resolve(&indexes).map_err(malformed)?;
                let json = proto.decode(&message, body).map_err(malformed)?;
                Ok((
                    json,
                    SchemaRef { message: Some(message.full_name().to_owned()), ..self.reference.clone() },
                ))
            }
            Body::Json(schema) => {
                let (json, text) = parse_json(rest).map_err(malformed)?;
                schema.check(&json).map_err(|misfit| self.mismatch(misfit))?;
                Ok((text, self.reference.clone()))
            }
        }
    }

    /// A body without the wire format's header, on a topic the directory maps to this schema.
    pub fn decode_plain(&self, bytes: &[u8]) -> Result<Decoded, DecodeFailure> {
        let mismatch = |detail: String| DecodeFailure::Mismatch {
            subject: self.reference.subject.clone(),
            id: self.reference.id,
            detail,
        };
        match &self.body {
            Body::Avro(avro) => Ok((avro.decode(bytes).map_err(mismatch)?, self.reference.clone())),
            Body::Protobuf(proto) => {
                let message = proto.resolve(proto.indexes()).map_err(mismatch)?;
                Ok((proto.decode(&message, bytes).map_err(mismatch)?, self.reference.clone()))
            }
            Body::Json(schema) => {
                let (json, text) = parse_json(bytes).map_err(mismatch)?;
                schema.check(&json).map_err(|misfit| self.mismatch(misfit))?;
                Ok((text, self.reference.clone()))
            }
        }
    }

    /// JSON text typed in the producer box, encoded with this schema in the wire format.
    pub fn encode(&self, text: &str) -> Result<Vec<u8>, Misfit> {
        let json: Json =
            serde_json::from_str(text).map_err(|e| Misfit::at("$", format!("this is not JSON: {e}")))?;
        let id = self.reference.id;
        Ok(match &self.body {
            Body::Avro(avro) => wire_format::frame(id, None, &avro.encode(&json)?),
            Body::Protobuf(proto) => wire_format::frame(id, Some(proto.indexes()), &proto.encode(&json)?),
            Body::Json(schema) => {
                schema.check(&json)?;
                // What was typed, not a re-serialisation: the user's spelling of numbers stays.
                wire_format::frame(id, None, text.trim().as_bytes())
            }
        })
    }

    fn mismatch(&self, misfit: Misfit) -> DecodeFailure {
        DecodeFailure::Mismatch {
            subject: self.reference.subject.clone(),
            id: self.reference.id,
            detail: misfit.to_string(),
        }
    }
}

/// The body parsed, and its text as written (fields in the writer's order).
fn parse_json(bytes: &[u8]) -> Result<(Json, String), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the body is not UTF-8 text".to_owned())?;
    let json = serde_json::from_str(text).map_err(|e| format!("the body is not JSON: {e}"))?;
    Ok((json, text.trim().to_owned()))
}
