//! What the producer box holds, as signals the feed can fill too ("Re-produce").

use leptos::prelude::*;

use crate::wire::record::{FeedRecord, Payload};
use crate::wire::schema::Decoding;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeaderRow {
    pub id: u32,
    pub name: RwSignal<String>,
    pub value: RwSignal<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct ProducerDraft {
    pub text: RwSignal<String>,
    pub key: RwSignal<String>,
    pub headers: RwSignal<Vec<HeaderRow>>,
    /// `""` is automatic.
    pub partition: RwSignal<String>,
    pub lines: RwSignal<bool>,
    pub repeat: RwSignal<String>,
    /// The schema id the key is encoded with; `""`: the text as typed.
    pub key_schema: RwSignal<String>,
    /// The same for the value.
    pub value_schema: RwSignal<String>,
    next_id: StoredValue<u32>,
}

impl ProducerDraft {
    pub fn new(text: String) -> Self {
        Self {
            text: RwSignal::new(text),
            key: RwSignal::new(String::new()),
            headers: RwSignal::new(Vec::new()),
            partition: RwSignal::new(String::new()),
            lines: RwSignal::new(false),
            repeat: RwSignal::new("1".into()),
            key_schema: RwSignal::new(String::new()),
            value_schema: RwSignal::new(String::new()),
            next_id: StoredValue::new(0),
        }
    }

    pub fn add_header(&self, name: String, value: String) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let row = HeaderRow { id, name: RwSignal::new(name), value: RwSignal::new(value) };
        self.headers.update(|rows| rows.push(row));
    }

    pub fn remove_header(&self, id: u32) {
        self.headers.update(|rows| rows.retain(|row| row.id != id));
    }

    /// Fills the box with a record's key, headers and value, to produce it again. A part
    /// decoded with a schema comes back as its JSON with that schema chosen, so it is encoded
    /// again with the same schema id.
    pub fn fill_from(&self, record: &FeedRecord) {
        let text = |payload: &Option<Payload>| {
            payload.as_ref().and_then(Payload::as_text).unwrap_or_default().to_owned()
        };
        let part = |payload: &Option<Payload>, decoding: Option<&Decoding>| match decoding
            .and_then(Decoding::decoded)
        {
            Some((json, schema)) => (json.to_owned(), schema.id.to_string()),
            None => (text(payload), String::new()),
        };
        let (key, key_schema) = part(&record.key, record.key_decoding.as_deref());
        self.key.set(key);
        self.key_schema.set(key_schema);
        self.headers.set(Vec::new());
        for header in &record.headers {
            self.add_header(header.name.clone(), text(&header.value));
        }
        let (value, value_schema) = part(&record.value, record.value_decoding.as_deref());
        self.text.set(value);
        self.value_schema.set(value_schema);
        self.lines.set(false);
        self.repeat.set("1".into());
        self.partition.set(String::new());
    }
}
