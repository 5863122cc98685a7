//! What the produce form asks for, checked before anything reaches Kafka: one valid request,
//! or a `ProduceError` that says what is wrong and means nothing was produced.

use crate::produce::{HeaderField, ProduceError};
use crate::topic_name::TopicName;

/// The form's fields as they arrive.
#[derive(Debug)]
pub struct Fields<'a> {
    pub text: &'a str,
    pub topic: Option<String>,
    pub key: Option<String>,
    pub headers: Vec<HeaderField>,
    pub partition: Option<String>,
    /// A checkbox: present (any value) means one record per line.
    pub lines: Option<String>,
    pub repeat: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per record: key, value, header names and values together.
    pub max_message_bytes: usize,
    pub max_headers: usize,
    pub max_records: usize,
}

/// A request that may be produced as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProduceRequest {
    /// `None`: the configured topic.
    pub topic: Option<TopicName>,
    /// `None`: the partitioner chooses.
    pub partition: Option<i32>,
    pub key: Option<String>,
    pub headers: Vec<(String, String)>,
    /// In the order they are sent.
    pub values: Vec<String>,
}

pub const MAX_REPEAT: usize = 10_000;

impl ProduceRequest {
    pub fn parse(fields: Fields<'_>, limits: Limits) -> Result<Self, ProduceError> {
        let topic = match fields.topic.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(TopicName::parse(name).map_err(ProduceError::BadTopic)?),
        };
        let partition =
            match fields.partition.as_deref().map(str::trim) {
                None | Some("") | Some("auto") => None,
                Some(text) => Some(text.parse::<i32>().ok().filter(|p| *p >= 0).ok_or_else(|| {
                    ProduceError::BadPartition(format!("`{text}` is not a partition number"))
                })?),
            };
        let key = fields.key.filter(|key| !key.is_empty());
        let headers = headers(fields.headers, limits.max_headers)?;
        let repeat = match fields.repeat.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(text) => {
                text.parse::<usize>().ok().filter(|n| (1..=MAX_REPEAT).contains(n)).ok_or_else(|| {
                    ProduceError::BadRepeat(format!("`{text}` is not a whole number from 1 to {MAX_REPEAT}"))
                })?
            }
        };
        let one: Vec<&str> = if fields.lines.is_some() {
            fields.text.lines().filter(|line| !line.trim().is_empty()).collect()
        } else if fields.text.trim().is_empty() {
            Vec::new()
        } else {
            vec![fields.text]
        };
        if one.is_empty() {
            return Err(ProduceError::EmptyText);
        }
        let count = one.len().saturating_mul(repeat);
        if count > limits.max_records {
            return Err(ProduceError::TooManyRecords { count, limit: limits.max_records });
        }
        let overhead = key.as_ref().map_or(0, String::len)
            + headers.iter().map(|(name, value)| name.len() + value.len()).sum::<usize>();
        if let Some(largest) = one.iter().map(|value| value.len() + overhead).max()
            && largest > limits.max_message_bytes
        {
            return Err(ProduceError::TooLarge { size: largest, limit: limits.max_message_bytes });
        }
        let values = (0..repeat).flat_map(|_| one.iter().map(|value| (*value).to_owned())).collect();
        Ok(Self { topic, partition, key, headers, values })
    }
}

/// Blank rows are dropped; a value without a name is an error, as is one header too many.
fn headers(fields: Vec<HeaderField>, limit: usize) -> Result<Vec<(String, String)>, ProduceError> {
    let mut headers = Vec::new();
    for (index, field) in fields.into_iter().enumerate() {
        match (field.name.trim().is_empty(), field.value.is_empty()) {
            (true, true) => continue,
            (true, false) => return Err(ProduceError::HeaderWithoutName { row: index + 1 }),
            (false, _) => headers.push((field.name.trim().to_owned(), field.value)),
        }
    }
    if headers.len() > limit {
        return Err(ProduceError::TooManyHeaders { count: headers.len(), limit });
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { max_message_bytes: 100, max_headers: 2, max_records: 10 };

    fn fields(text: &str) -> Fields<'_> {
        Fields {
            text,
            topic: None,
            key: None,
            headers: Vec::new(),
            partition: None,
            lines: None,
            repeat: None,
        }
    }

    fn header(name: &str, value: &str) -> HeaderField {
        HeaderField { name: name.into(), value: value.into() }
    }

    #[test]
    fn plain_text_is_one_record_to_the_configured_topic() {
        let request = ProduceRequest::parse(fields("hello"), LIMITS).unwrap();
        assert_eq!(
            request,
            ProduceRequest {
                topic: None,
                partition: None,
                key: None,
                headers: vec![],
                values: vec!["hello".into()]
            }
        );
    }

    #[test]
    fn lines_become_records_in_order_and_repeat_repeats_them() {
        let request = ProduceRequest::parse(
            Fields { lines: Some("on".into()), repeat: Some("2".into()), ..fields("a\n\n  \nb\r\nc") },
            LIMITS,
        )
        .unwrap();
        assert_eq!(request.values, ["a", "b", "c", "a", "b", "c"]);
    }

    #[test]
    fn key_headers_partition_and_topic_are_kept() {
        let request = ProduceRequest::parse(
            Fields {
                topic: Some(" other ".into()),
                key: Some("k".into()),
                headers: vec![header("trace", "1"), header("", ""), header("empty", "")],
                partition: Some("2".into()),
                ..fields("v")
            },
            LIMITS,
        )
        .unwrap();
        assert_eq!(request.topic.unwrap().as_str(), "other");
        assert_eq!(request.partition, Some(2));
        assert_eq!(request.key.as_deref(), Some("k"));
        assert_eq!(
            request.headers,
            [("trace".to_owned(), "1".to_owned()), ("empty".to_owned(), String::new())]
        );
    }

    #[test]
    fn bad_input_is_refused_with_the_reason() {
        let refused = |f: Fields<'_>| ProduceRequest::parse(f, LIMITS).unwrap_err();
        assert_eq!(refused(fields("  ")), ProduceError::EmptyText);
        assert_eq!(refused(Fields { lines: Some("on".into()), ..fields("\n \n") }), ProduceError::EmptyText);
        assert_eq!(
            refused(Fields { headers: vec![header("a", "1"), header(" ", "x")], ..fields("v") }),
            ProduceError::HeaderWithoutName { row: 2 }
        );
        assert_eq!(
            refused(Fields {
                headers: vec![header("a", ""), header("b", ""), header("c", "")],
                ..fields("v")
            }),
            ProduceError::TooManyHeaders { count: 3, limit: 2 }
        );
        assert!(matches!(
            refused(Fields { partition: Some("-1".into()), ..fields("v") }),
            ProduceError::BadPartition(_)
        ));
        assert!(matches!(
            refused(Fields { partition: Some("one".into()), ..fields("v") }),
            ProduceError::BadPartition(_)
        ));
        assert!(matches!(
            refused(Fields { topic: Some("a b".into()), ..fields("v") }),
            ProduceError::BadTopic(_)
        ));
        assert!(matches!(
            refused(Fields { repeat: Some("0".into()), ..fields("v") }),
            ProduceError::BadRepeat(_)
        ));
        assert_eq!(
            refused(Fields { repeat: Some("11".into()), ..fields("v") }),
            ProduceError::TooManyRecords { count: 11, limit: 10 }
        );
        // The key and headers count towards a record's size.
        assert_eq!(
            refused(Fields { key: Some("k".repeat(50)), ..fields(&"v".repeat(51)) }),
            ProduceError::TooLarge { size: 101, limit: 100 }
        );
    }
}
