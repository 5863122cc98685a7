//! A consumed message as a page sees it, made safe whatever its producer wrote.
//!
//! Records come from any producer of the cluster, not only kafka-live. So:
//! - header names are read as bytes through librdkafka itself: rdkafka 0.39's `Headers::get`
//!   unwraps `to_str()` on the name (`message.rs:284`), and one non-UTF-8 name from anyone
//!   panicked the feed for every page. Such a name is shown as hex, marked;
//! - every part is cut to `forward_max_bytes` as encoded on the wire (JSON escaping grows a
//!   control character six-fold), and a record's headers together get one such budget, so a
//!   frame stays a few MiB at most whatever the record holds.

use std::ffi::CStr;

use rdkafka::bindings as rdsys;
use rdkafka::message::{BorrowedMessage, Message};

use crate::server::config::settings::KafkaSettings;
use crate::server::schemas::source::{Part, Schemas};
use crate::wire::record::{FeedRecord, Payload, RecordHeader, Timestamp, TimestampKind, to_hex};

/// What a header costs in a frame besides its name and value (`{"name":"","value":{…}}`).
const HEADER_OVERHEAD: usize = 48;

/// How every reader of the server (the feed, a catch-up, a page's own reader) turns a message
/// into what a page is sent: the same cut, the same schemas.
#[derive(Debug, Clone)]
pub struct RecordShape {
    pub forward_max_bytes: usize,
    pub schemas: Schemas,
}

impl RecordShape {
    pub fn of(settings: &KafkaSettings) -> Self {
        Self { forward_max_bytes: settings.forward_max_bytes, schemas: settings.schemas.clone() }
    }

    /// The record as a page sees it, its key and value decoded with a schema where one applies
    /// (once, here, for every page that is sent it).
    pub fn to_record(&self, message: &BorrowedMessage<'_>) -> FeedRecord {
        let mut record = to_record(message, self.forward_max_bytes);
        let decode = |part, bytes: Option<&[u8]>| {
            bytes.and_then(|bytes| self.schemas.decode(&record.topic, part, bytes, self.forward_max_bytes))
        };
        let (key, value) = (decode(Part::Key, message.key()), decode(Part::Value, message.payload()));
        record.key_decoding = key.map(Box::new);
        record.value_decoding = value.map(Box::new);
        record
    }
}

/// The record as a page sees it: each part cut to `forward_max_bytes`, the size whole.
fn to_record(message: &BorrowedMessage<'_>, forward_max_bytes: usize) -> FeedRecord {
    let mut cut = false;
    let mut part = |bytes: &[u8], limit: usize| {
        let (payload, was_cut) = Payload::from_bytes_at_most(bytes, limit);
        cut |= was_cut;
        payload
    };
    let key = message.key().map(|bytes| part(bytes, forward_max_bytes));
    let value = message.payload().map(|bytes| part(bytes, forward_max_bytes));
    let mut size = message.key().map_or(0, <[u8]>::len) + message.payload().map_or(0, <[u8]>::len);
    let mut headers = Vec::new();
    let mut omitted_headers = 0u32;
    let mut budget = forward_max_bytes;
    for (name, value) in raw_headers(message) {
        size += name.len() + value.map_or(0, <[u8]>::len);
        let (name, binary_name) = match std::str::from_utf8(name) {
            Ok(text) => (text.to_owned(), false),
            Err(_) => (format!("0x{}", to_hex(name)), true),
        };
        let name_cost = Payload::Text(name.clone()).encoded_len() + HEADER_OVERHEAD;
        if name_cost > budget {
            omitted_headers = omitted_headers.saturating_add(1);
            continue;
        }
        budget -= name_cost;
        let value = value.map(|bytes| part(bytes, budget));
        budget -= value.as_ref().map_or(0, Payload::encoded_len);
        headers.push(RecordHeader { name, binary_name, value });
    }
    cut |= omitted_headers > 0;
    let timestamp = match message.timestamp() {
        rdkafka::Timestamp::CreateTime(ms) => Some(Timestamp { ms, kind: TimestampKind::CreateTime }),
        rdkafka::Timestamp::LogAppendTime(ms) => Some(Timestamp { ms, kind: TimestampKind::LogAppendTime }),
        rdkafka::Timestamp::NotAvailable => None,
    };
    FeedRecord {
        topic: message.topic().to_owned(),
        partition: message.partition(),
        offset: message.offset(),
        timestamp,
        key,
        headers,
        value,
        size,
        cut,
        omitted_headers,
        key_decoding: None,
        value_decoding: None,
    }
}

/// Each header's name and value as the bytes Kafka holds, in order.
fn raw_headers<'m>(message: &'m BorrowedMessage<'_>) -> Vec<(&'m [u8], Option<&'m [u8]>)> {
    let mut headers: *mut rdsys::rd_kafka_headers_t = std::ptr::null_mut();
    // SAFETY: `message.ptr()` is the live rd_kafka_message_t this borrow keeps alive; librdkafka
    // parses its headers on first use and keeps them with the message, so everything it hands
    // back below lives as long as `message`.
    let error = unsafe { rdsys::rd_kafka_message_headers(message.ptr(), &mut headers) };
    if error != rdsys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR || headers.is_null() {
        return Vec::new();
    }
    let mut out = Vec::new();
    // SAFETY: `headers` belongs to the message (above).
    let count = unsafe { rdsys::rd_kafka_header_cnt(headers) };
    for index in 0..count {
        let mut name = std::ptr::null();
        let mut value = std::ptr::null();
        let mut value_size = 0;
        // SAFETY: as above; `index` is below the count librdkafka gave.
        let error =
            unsafe { rdsys::rd_kafka_header_get_all(headers, index, &mut name, &mut value, &mut value_size) };
        if error != rdsys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR || name.is_null() {
            continue;
        }
        // SAFETY: librdkafka stores each name NUL-terminated, and the value with its size;
        // both live with the message.
        let name = unsafe { CStr::from_ptr(name) }.to_bytes();
        let value =
            (!value.is_null()).then(|| unsafe { std::slice::from_raw_parts(value.cast::<u8>(), value_size) });
        out.push((name, value));
    }
    out
}
