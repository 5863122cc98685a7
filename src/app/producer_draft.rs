//! What the producer box holds, as signals the feed can fill too ("Re-produce").

use leptos::prelude::*;

use crate::wire::record::{FeedRecord, Payload};

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

    /// Fills the box with a record's key, headers and value, to produce it again.
    pub fn fill_from(&self, record: &FeedRecord) {
        let text = |payload: &Option<Payload>| {
            payload.as_ref().and_then(Payload::as_text).unwrap_or_default().to_owned()
        };
        self.key.set(text(&record.key));
        self.headers.set(Vec::new());
        for header in &record.headers {
            self.add_header(header.name.clone(), text(&header.value));
        }
        self.text.set(text(&record.value));
        self.lines.set(false);
        self.repeat.set("1".into());
        self.partition.set(String::new());
    }
}
