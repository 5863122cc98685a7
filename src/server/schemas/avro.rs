//! Avro bodies to JSON and back, with `apache-avro` doing the binary encoding.
//!
//! The JSON side is written here by hand, both ways, because the crate's own conversions do not
//! say *where* a value went wrong ("expected int" somewhere in a nested record) and drop a
//! record's field order. A user typing JSON for a schema needs the path; a user reading a
//! decoded record expects the fields in the schema's order.

use std::collections::HashMap;
use std::io::Cursor;

use apache_avro::schema::{Name, RecordSchema, ResolvedSchema, Schema as AvroSchema};
use apache_avro::types::Value;
use serde_json::Value as Json;

use super::json_text::{JsonWriter, Misfit};

/// A parsed `.avsc` with its named types resolved, so `Ref`s can be followed.
pub struct Avro {
    schema: AvroSchema,
    names: HashMap<Name, AvroSchema>,
}

impl Avro {
    pub fn parse(text: &str) -> Result<Self, String> {
        let schema = AvroSchema::parse_str(text).map_err(|e| e.to_string())?;
        let names = ResolvedSchema::try_from(&schema)
            .map_err(|e| e.to_string())?
            .get_names()
            .iter()
            .map(|(name, schema)| (name.clone(), (*schema).clone()))
            .collect();
        Ok(Self { schema, names })
    }

    /// The body as compact JSON in the schema's field order. `Err` is the reason the bytes are
    /// not a body of this schema (cut short, or bytes left over).
    pub fn decode(&self, body: &[u8]) -> Result<String, String> {
        let mut reader = Cursor::new(body);
        let value =
            apache_avro::from_avro_datum(&self.schema, &mut reader, None).map_err(|e| e.to_string())?;
        let left = body.len() - reader.position() as usize;
        if left > 0 {
            return Err(format!("{left} bytes left over after the record"));
        }
        let mut out = JsonWriter::default();
        write_value(&mut out, &value);
        Ok(out.finish())
    }

    /// JSON typed by a user, as this schema's binary body; `Err` names the field that does not fit.
    pub fn encode(&self, json: &Json) -> Result<Vec<u8>, Misfit> {
        let value = self.to_value(json, &self.schema, "$")?;
        apache_avro::to_avro_datum(&self.schema, value).map_err(|e| Misfit::at("$", e.to_string()))
    }

    fn resolve<'s>(&'s self, schema: &'s AvroSchema) -> &'s AvroSchema {
        match schema {
            AvroSchema::Ref { name } => self.names.get(name).unwrap_or(schema),
            other => other,
        }
    }

    fn to_value(&self, json: &Json, schema: &AvroSchema, path: &str) -> Result<Value, Misfit> {
        let expected = |what: &str| Misfit::at(path, format!("expected {what}, found {}", describe(json)));
        let int = || json.as_i64().and_then(|n| i32::try_from(n).ok()).ok_or_else(|| expected("an int"));
        let long = || json.as_i64().ok_or_else(|| expected("a long"));
        Ok(match self.resolve(schema) {
            AvroSchema::Null => json.is_null().then_some(Value::Null).ok_or_else(|| expected("null"))?,
            AvroSchema::Boolean => Value::Boolean(json.as_bool().ok_or_else(|| expected("a boolean"))?),
            AvroSchema::Int => Value::Int(int()?),
            AvroSchema::Long => Value::Long(long()?),
            AvroSchema::Float => Value::Float(json.as_f64().ok_or_else(|| expected("a float"))? as f32),
            AvroSchema::Double => Value::Double(json.as_f64().ok_or_else(|| expected("a double"))?),
            AvroSchema::String => {
                Value::String(json.as_str().ok_or_else(|| expected("a string"))?.to_owned())
            }
            // Avro's JSON encoding: each character of the string is one byte (U+0000 to U+00FF).
            AvroSchema::Bytes => Value::Bytes(latin1(json).ok_or_else(|| expected("bytes as a string"))?),
            AvroSchema::Fixed(fixed) => {
                let bytes = latin1(json).ok_or_else(|| expected("bytes as a string"))?;
                if bytes.len() != fixed.size {
                    return Err(Misfit::at(
                        path,
                        format!("expected {} bytes, found {}", fixed.size, bytes.len()),
                    ));
                }
                Value::Fixed(fixed.size, bytes)
            }
            AvroSchema::Enum(schema) => {
                let symbol = json.as_str().ok_or_else(|| expected("a symbol"))?;
                let index = schema.symbols.iter().position(|s| s == symbol).ok_or_else(|| {
                    Misfit::at(path, format!("`{symbol}` is not one of {}", schema.symbols.join(", ")))
                })?;
                Value::Enum(index as u32, symbol.to_owned())
            }
            AvroSchema::Array(array) => {
                let items = json.as_array().ok_or_else(|| expected("an array"))?;
                let values = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.to_value(item, &array.items, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?;
                Value::Array(values)
            }
            AvroSchema::Map(map) => {
                let entries = json.as_object().ok_or_else(|| expected("an object"))?;
                let values = entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.to_value(v, &map.types, &format!("{path}.{k}"))?)))
                    .collect::<Result<_, Misfit>>()?;
                Value::Map(values)
            }
            AvroSchema::Record(record) => self.record(json, record, path)?,
            AvroSchema::Union(union) => {
                // Avro's own JSON wraps a branch as {"type": value}; a person types the value.
                let variants = union.variants();
                if let Some((name, inner)) =
                    json.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next())
                    && let Some(index) = variants.iter().position(|v| branch_name(self.resolve(v)) == *name)
                {
                    let value = self.to_value(inner, &variants[index], path)?;
                    return Ok(Value::Union(index as u32, Box::new(value)));
                }
                let mut first_misfit = None;
                for (index, variant) in variants.iter().enumerate() {
                    match self.to_value(json, variant, path) {
                        Ok(value) => return Ok(Value::Union(index as u32, Box::new(value))),
                        Err(misfit) => {
                            first_misfit.get_or_insert(misfit);
                        }
                    }
                }
                let names: Vec<String> = variants.iter().map(|v| branch_name(self.resolve(v))).collect();
                return Err(Misfit::at(
                    path,
                    format!("expected one of {}, found {}", names.join(", "), describe(json)),
                ));
            }
            AvroSchema::Uuid => {
                Value::Uuid(json.as_str().and_then(|s| s.parse().ok()).ok_or_else(|| expected("a UUID"))?)
            }
            AvroSchema::Date => Value::Date(int()?),
            AvroSchema::TimeMillis => Value::TimeMillis(int()?),
            AvroSchema::TimeMicros => Value::TimeMicros(long()?),
            AvroSchema::TimestampMillis => Value::TimestampMillis(long()?),
            AvroSchema::TimestampMicros => Value::TimestampMicros(long()?),
            AvroSchema::TimestampNanos => Value::TimestampNanos(long()?),
            AvroSchema::LocalTimestampMillis => Value::LocalTimestampMillis(long()?),
            AvroSchema::LocalTimestampMicros => Value::LocalTimestampMicros(long()?),
            AvroSchema::LocalTimestampNanos => Value::LocalTimestampNanos(long()?),
            other => {
                return Err(Misfit::at(path, format!("{other:?} values cannot be typed as JSON here yet")));
            }
        })
    }

    fn record(&self, json: &Json, record: &RecordSchema, path: &str) -> Result<Value, Misfit> {
        let object = json
            .as_object()
            .ok_or_else(|| Misfit::at(path, format!("expected an object, found {}", describe(json))))?;
        if let Some(unknown) = object.keys().find(|k| !record.fields.iter().any(|f| &f.name == *k)) {
            return Err(Misfit::at(
                &format!("{path}.{unknown}"),
                format!("{} has no field `{unknown}`", record.name),
            ));
        }
        let mut fields = Vec::with_capacity(record.fields.len());
        for field in &record.fields {
            let at = format!("{path}.{}", field.name);
            let value = match (object.get(&field.name), &field.default) {
                (Some(value), _) => self.to_value(value, &field.schema, &at)?,
                (None, Some(default)) => self.to_value(default, &field.schema, &at)?,
                (None, None) => return Err(Misfit::at(&at, "is required".into())),
            };
            fields.push((field.name.clone(), value));
        }
        Ok(Value::Record(fields))
    }
}

/// The name Avro's JSON encoding gives a union branch.
fn branch_name(schema: &AvroSchema) -> String {
    match schema {
        AvroSchema::Record(r) => r.name.fullname(None),
        AvroSchema::Enum(e) => e.name.fullname(None),
        AvroSchema::Fixed(f) => f.name.fullname(None),
        AvroSchema::Ref { name } => name.fullname(None),
        other => format!("{:?}", apache_avro::schema::SchemaKind::from(other)).to_lowercase(),
    }
}

fn latin1(json: &Json) -> Option<Vec<u8>> {
    json.as_str()?.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

fn describe(json: &Json) -> String {
    let text = json.to_string();
    if text.len() > 40 { format!("{}…", &text[..text.floor_char_boundary(40)]) } else { text }
}

fn write_value(out: &mut JsonWriter, value: &Value) {
    match value {
        Value::Null => out.raw("null"),
        Value::Boolean(b) => out.raw(if *b { "true" } else { "false" }),
        Value::Int(n) | Value::Date(n) | Value::TimeMillis(n) => out.number(*n),
        Value::Long(n)
        | Value::TimeMicros(n)
        | Value::TimestampMillis(n)
        | Value::TimestampMicros(n)
        | Value::TimestampNanos(n)
        | Value::LocalTimestampMillis(n)
        | Value::LocalTimestampMicros(n)
        | Value::LocalTimestampNanos(n) => out.number(*n),
        Value::Float(f) => out.float(f64::from(*f)),
        Value::Double(f) => out.float(*f),
        Value::String(s) | Value::Enum(_, s) => out.string(s),
        Value::Bytes(b) | Value::Fixed(_, b) => {
            out.string(&b.iter().map(|&b| char::from(b)).collect::<String>())
        }
        Value::Uuid(u) => out.string(&u.to_string()),
        Value::Union(_, inner) => write_value(out, inner),
        Value::Array(items) => {
            out.open('[');
            for item in items {
                out.comma();
                write_value(out, item);
            }
            out.close(']');
        }
        Value::Map(entries) => {
            // A map has no order of its own; sorted, so the same record always reads the same.
            let mut entries: Vec<_> = entries.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.open('{');
            for (key, value) in entries {
                out.comma();
                out.key(key);
                write_value(out, value);
            }
            out.close('}');
        }
        Value::Record(fields) => {
            out.open('{');
            for (key, value) in fields {
                out.comma();
                out.key(key);
                write_value(out, value);
            }
            out.close('}');
        }
        other => out.string(&format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[
        {"name":"id","type":"long"},
        {"name":"item","type":"string"},
        {"name":"qty","type":"int"},
        {"name":"note","type":["null","string"],"default":null},
        {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[{"name":"sku","type":"string"}]}},"default":[]}
    ]}"#;

    #[test]
    fn json_round_trips_through_the_binary_body_in_field_order() {
        let avro = Avro::parse(ORDER).unwrap();
        let json: Json =
            serde_json::from_str(r#"{"qty":2,"item":"tea","id":7,"note":"hot","lines":[{"sku":"t-1"}]}"#)
                .unwrap();
        let body = avro.encode(&json).unwrap();
        assert_eq!(
            avro.decode(&body).unwrap(),
            r#"{"id":7,"item":"tea","qty":2,"note":"hot","lines":[{"sku":"t-1"}]}"#
        );
    }

    #[test]
    fn json_that_does_not_fit_names_the_field() {
        let avro = Avro::parse(ORDER).unwrap();
        let misfit = |text: &str| avro.encode(&serde_json::from_str(text).unwrap()).unwrap_err().to_string();
        assert_eq!(
            misfit(r#"{"id":1,"item":"tea","qty":"two"}"#),
            r#"at $.qty: expected an int, found "two""#
        );
        assert_eq!(misfit(r#"{"id":1,"qty":2}"#), "at $.item: is required");
        assert_eq!(
            misfit(r#"{"id":1,"item":"t","qty":2,"lines":[{"sku":5}]}"#),
            "at $.lines[0].sku: expected a string, found 5"
        );
        assert_eq!(
            misfit(r#"{"id":1,"item":"t","qty":2,"colour":"red"}"#),
            "at $.colour: shop.Order has no field `colour`"
        );
    }

    #[test]
    fn a_body_cut_short_or_too_long_is_refused() {
        let avro = Avro::parse(ORDER).unwrap();
        let body = avro.encode(&serde_json::from_str(r#"{"id":1,"item":"tea","qty":2}"#).unwrap()).unwrap();
        assert!(avro.decode(&body[..body.len() - 2]).is_err());
        let mut longer = body.clone();
        longer.push(0);
        assert_eq!(avro.decode(&longer).unwrap_err(), "1 bytes left over after the record");
    }
}
