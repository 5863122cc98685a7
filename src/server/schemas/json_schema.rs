//! JSON Schema bodies: the body is JSON text already, so decoding is validating, and encoding
//! is validating what was typed. `jsonschema` validates; its error's instance location becomes
//! the same `$.a[0].b` path the other formats give.

use serde_json::Value as Json;

use super::json_text::Misfit;

pub struct JsonSchema {
    validator: jsonschema::Validator,
}

impl JsonSchema {
    pub fn parse(text: &str) -> Result<Self, String> {
        let schema: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let validator = jsonschema::validator_for(&schema).map_err(|e| e.to_string())?;
        Ok(Self { validator })
    }

    /// The first place `json` does not fit, if any.
    pub fn check(&self, json: &Json) -> Result<(), Misfit> {
        match self.validator.validate(json) {
            Ok(()) => Ok(()),
            Err(error) => {
                Err(Misfit { path: json_path(&error.instance_path().to_string()), reason: error.to_string() })
            }
        }
    }
}

/// `/lines/0/sku` (a JSON Pointer) as `$.lines[0].sku`.
fn json_path(pointer: &str) -> String {
    let mut path = "$".to_owned();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            path.push_str(&format!("[{segment}]"));
        } else {
            path.push('.');
            path.push_str(&segment);
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_json_passes_and_a_misfit_names_its_path() {
        let schema = JsonSchema::parse(
            r#"{"type":"object","properties":{"qty":{"type":"integer"},"lines":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"}}}}},"required":["qty"]}"#,
        )
        .unwrap();
        assert_eq!(schema.check(&serde_json::json!({"qty": 2})), Ok(()));
        assert_eq!(schema.check(&serde_json::json!({"qty": "2"})).unwrap_err().path, "$.qty");
        assert_eq!(
            schema.check(&serde_json::json!({"qty": 1, "lines": [{"sku": 5}]})).unwrap_err().path,
            "$.lines[0].sku"
        );
        assert_eq!(schema.check(&serde_json::json!({})).unwrap_err().path, "$");
    }
}
