//! The JSON both directions share: a small writer that keeps fields in the order it is given
//! them (`serde_json::Map` sorts them), and `Misfit`, the path and reason of JSON that does not
//! fit a schema.

/// Where typed JSON does not fit a schema, as a JSONPath-like path (`$.lines[0].sku`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at {path}: {reason}")]
pub struct Misfit {
    pub path: String,
    pub reason: String,
}

impl Misfit {
    pub fn at(path: &str, reason: String) -> Self {
        Self { path: path.to_owned(), reason }
    }
}

/// Compact JSON text, written in order.
#[derive(Default)]
pub struct JsonWriter {
    out: String,
    /// Per open object or array: whether it has had an element yet.
    started: Vec<bool>,
}

impl JsonWriter {
    pub fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    pub fn number(&mut self, n: impl std::fmt::Display) {
        self.out.push_str(&n.to_string());
    }

    /// JSON has no NaN or infinity: those are written as strings, as Avro's JSON encoders do.
    pub fn float(&mut self, f: f64) {
        match serde_json::Number::from_f64(f) {
            Some(n) => self.out.push_str(&n.to_string()),
            None => self.string(&f.to_string()),
        }
    }

    pub fn string(&mut self, s: &str) {
        self.out.push_str(&serde_json::to_string(s).unwrap_or_default());
    }

    pub fn open(&mut self, bracket: char) {
        self.out.push(bracket);
        self.started.push(false);
    }

    pub fn close(&mut self, bracket: char) {
        self.started.pop();
        self.out.push(bracket);
    }

    /// Before each element of the innermost object or array.
    pub fn comma(&mut self) {
        if let Some(started) = self.started.last_mut() {
            if *started {
                self.out.push(',');
            }
            *started = true;
        }
    }

    pub fn key(&mut self, key: &str) {
        self.string(key);
        self.out.push(':');
    }

    pub fn finish(self) -> String {
        self.out
    }
}
