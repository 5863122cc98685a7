//! "Export JSON Lines" and "Export CSV": the feed as shown (after the filter, at most the
//! records kept), one record a line, newest first as on screen. A value decoded with a schema is
//! its JSON; text is text; binary is `0x` and its hex, as the page shows it.
//!
//! Pure functions over the records, tested without a browser.

use crate::wire::record::{FeedRecord, Payload, RecordHeader};
use crate::wire::schema::Decoding;

/// One JSON object a line. Decoded parts are embedded as JSON, fields in the schema's order.
pub fn json_lines(records: &[&FeedRecord]) -> String {
    let mut out = String::new();
    for record in records {
        let mut fields = vec![
            format!("\"topic\":{}", string(&record.topic)),
            format!("\"partition\":{}", record.partition),
            format!("\"offset\":{}", record.offset),
            format!("\"timestamp\":{}", record.timestamp.map_or("null".to_owned(), |t| t.ms.to_string())),
            format!("\"key\":{}", part_json(record.key.as_ref(), record.key_decoding.as_deref())),
            format!("\"value\":{}", part_json(record.value.as_ref(), record.value_decoding.as_deref())),
            format!("\"headers\":{}", headers_json(&record.headers)),
        ];
        for (name, decoding) in
            [("key_schema", &record.key_decoding), ("value_schema", &record.value_decoding)]
        {
            if let Some((_, schema)) = decoding.as_deref().and_then(Decoding::decoded) {
                fields.push(format!("\"{name}\":{}", serde_json::to_string(schema).unwrap_or_default()));
            }
        }
        out.push('{');
        out.push_str(&fields.join(","));
        out.push_str("}\n");
    }
    out
}

/// RFC 4180: a header row, then one row a record; decoded parts as compact JSON text, headers
/// as a JSON array.
pub fn csv(records: &[&FeedRecord]) -> String {
    let mut out = String::from("topic,partition,offset,timestamp,key,value,headers\r\n");
    for record in records {
        let row = [
            record.topic.clone(),
            record.partition.to_string(),
            record.offset.to_string(),
            record.timestamp.map_or(String::new(), |t| t.ms.to_string()),
            part_text(record.key.as_ref(), record.key_decoding.as_deref()),
            part_text(record.value.as_ref(), record.value_decoding.as_deref()),
            if record.headers.is_empty() { String::new() } else { headers_json(&record.headers) },
        ];
        let cells: Vec<String> = row.iter().map(|cell| csv_cell(cell)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn part_json(payload: Option<&Payload>, decoding: Option<&Decoding>) -> String {
    match (payload, decoding.and_then(Decoding::decoded)) {
        (_, Some((json, _))) => json.to_owned(),
        (None, _) => "null".into(),
        (Some(payload), _) => string(&payload.display()),
    }
}

/// A null part is an empty cell.
fn part_text(payload: Option<&Payload>, decoding: Option<&Decoding>) -> String {
    match (payload, decoding.and_then(Decoding::decoded)) {
        (_, Some((json, _))) => json.to_owned(),
        (None, _) => String::new(),
        (Some(payload), _) => payload.display(),
    }
}

fn headers_json(headers: &[RecordHeader]) -> String {
    let items: Vec<String> = headers
        .iter()
        .map(|h| {
            let value = h.value.as_ref().map_or("null".to_owned(), |v| string(&v.display()));
            format!("{{\"name\":{},\"value\":{value}}}", string(&h.name))
        })
        .collect();
    format!("[{}]", items.join(","))
}

fn string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::record::{Timestamp, TimestampKind};
    use crate::wire::schema::{SchemaFormat, SchemaRef};

    fn records() -> Vec<FeedRecord> {
        let mut decoded = FeedRecord::sample(0, 7);
        decoded.value = Some(Payload::Binary("0000000001020304".into()));
        decoded.value_decoding = Some(Box::new(Decoding::Decoded {
            json: r#"{"id":7,"item":"tea"}"#.into(),
            schema: SchemaRef {
                subject: "orders-value".into(),
                version: 1,
                id: 1,
                format: SchemaFormat::Avro,
                message: None,
            },
            wire_format: true,
        }));
        decoded.timestamp = Some(Timestamp { ms: 1_764_161_531_007, kind: TimestampKind::CreateTime });
        let mut text = FeedRecord::sample(1, 3);
        text.key = Some(Payload::Text("k".into()));
        text.value = Some(Payload::Text("hello, \"you\"".into()));
        text.headers = vec![RecordHeader {
            name: "h".into(),
            binary_name: false,
            value: Some(Payload::Text("v".into())),
        }];
        let mut binary = FeedRecord::sample(2, 0);
        binary.value = Some(Payload::Binary("ff00".into()));
        vec![decoded, text, binary]
    }

    #[test]
    fn json_lines_embed_decoded_values_and_mark_binary_as_hex() {
        let records = records();
        let refs: Vec<&FeedRecord> = records.iter().collect();
        let text = json_lines(&refs);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[0],
            r#"{"topic":"t","partition":0,"offset":7,"timestamp":1764161531007,"key":null,"value":{"id":7,"item":"tea"},"headers":[],"value_schema":{"subject":"orders-value","version":1,"id":1,"format":"avro"}}"#
        );
        assert_eq!(
            lines[1],
            r#"{"topic":"t","partition":1,"offset":3,"timestamp":null,"key":"k","value":"hello, \"you\"","headers":[{"name":"h","value":"v"}]}"#
        );
        assert!(lines[2].contains(r#""value":"0xff00""#));
        for line in lines {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let records = records();
        let refs: Vec<&FeedRecord> = records.iter().collect();
        assert_eq!(
            csv(&refs),
            "topic,partition,offset,timestamp,key,value,headers\r\n\
             t,0,7,1764161531007,,\"{\"\"id\"\":7,\"\"item\"\":\"\"tea\"\"}\",\r\n\
             t,1,3,,k,\"hello, \"\"you\"\"\",\"[{\"\"name\"\":\"\"h\"\",\"\"value\"\":\"\"v\"\"}]\"\r\n\
             t,2,0,,,0xff00,\r\n"
        );
    }
}
