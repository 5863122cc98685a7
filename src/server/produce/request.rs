//! What the produce form asks for, checked before anything reaches Kafka: one valid request,
//! or a `ProduceError` that says what is wrong and means nothing was produced.

use crate::wire::produce::{HeaderField, ProduceError};
use crate::wire::topic_name::TopicName;

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
    /// The id of the schema the key is encoded with (JSON typed in the key box); empty: none.
    pub key_schema: Option<String>,
    /// The same for each value.
    pub value_schema: Option<String>,
}

/// Headers one record may carry from the page.
pub const MAX_HEADERS: usize = 64;
/// Records one Submit may send ("one record per line" times "repeat").
pub const MAX_RECORDS_PER_SUBMIT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per record: key, value, header names and values together.
    pub max_message_bytes: usize,
    pub max_headers: usize,
    pub max_records: usize,
    /// Per Submit: every record's key, value and headers together, repeats included.
    pub max_submit_bytes: u64,
}

/// A request that may be produced as it stands. It borrows the form's text: the records are
/// slices of it, and a repeat sends the same slices again instead of copying them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProduceRequest<'a> {
    /// `None`: the configured topic.
    pub topic: Option<TopicName>,
    /// `None`: the partitioner chooses.
    pub partition: Option<i32>,
    pub key: Option<String>,
    pub headers: Vec<(String, String)>,
    /// One round of values, in the order they are sent.
    pub values: Vec<&'a str>,
    /// How many rounds: at least 1.
    pub repeat: usize,
    /// Schema ids to encode the key and the values with.
    pub key_schema: Option<u32>,
    pub value_schema: Option<u32>,
}

pub const MAX_REPEAT: usize = 10_000;

impl<'a> ProduceRequest<'a> {
    pub fn parse(fields: Fields<'a>, limits: Limits) -> Result<Self, ProduceError> {
        let topic = match fields.topic.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(TopicName::parse(name).map_err(ProduceError::BadTopic)?),
        };
        let partition = match fields.partition.as_deref().map(str::trim) {
            None | Some("") | Some("auto") => None,
            Some(text) => Some(parse_partition(text)?),
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
        let values: Vec<&str> = if fields.lines.is_some() {
            fields.text.lines().filter(|line| !line.trim().is_empty()).collect()
        } else if fields.text.trim().is_empty() {
            Vec::new()
        } else {
            vec![fields.text]
        };
        if values.is_empty() {
            return Err(ProduceError::EmptyText);
        }
        let count = values.len().saturating_mul(repeat);
        if count > limits.max_records {
            return Err(ProduceError::TooManyRecords { count, limit: limits.max_records });
        }
        let key_schema = schema_id("The key's schema", fields.key_schema.as_deref())?;
        let value_schema = schema_id("Schema subject", fields.value_schema.as_deref())?;
        let request = Self { topic, partition, key, headers, values, repeat, key_schema, value_schema };
        let overhead = request.overhead();
        if let Some(largest) = request.values.iter().map(|value| value.len() + overhead).max()
            && largest > limits.max_message_bytes
        {
            return Err(ProduceError::TooLarge { size: largest, limit: limits.max_message_bytes });
        }
        // The whole Submit, repeats included, before a byte of it is copied anywhere.
        let bytes = request.total_bytes();
        if bytes > limits.max_submit_bytes {
            return Err(ProduceError::OverBudget {
                records: count as u64,
                bytes,
                limit: limits.max_submit_bytes,
            });
        }
        Ok(request)
    }

    /// What every record carries besides its value: the key, header names and values.
    fn overhead(&self) -> usize {
        self.key.as_ref().map_or(0, String::len)
            + self.headers.iter().map(|(name, value)| name.len() + value.len()).sum::<usize>()
    }

    /// The value of record `index` of the Submit, in the order they are sent: each round of
    /// values, `repeat` times.
    pub fn value_at(&self, index: usize) -> &'a str {
        self.values[index % self.values.len()]
    }

    pub fn record_count(&self) -> usize {
        self.values.len() * self.repeat
    }

    /// Bytes of every record together, repeats included: what the budget and the byte rate
    /// limit count.
    pub fn total_bytes(&self) -> u64 {
        let overhead = self.overhead() as u64;
        let round: u64 = self.values.iter().map(|value| value.len() as u64 + overhead).sum();
        round.saturating_mul(self.repeat as u64)
    }
}

/// A partition number as typed: 0 to `i32::MAX`; whether the topic has it is checked later.
fn schema_id(field: &str, text: Option<&str>) -> Result<Option<u32>, ProduceError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(id) => id
            .parse()
            .map(Some)
            .map_err(|_| ProduceError::BadSchema(format!("{field}: `{id}` is not a schema id."))),
    }
}

fn parse_partition(text: &str) -> Result<i32, ProduceError> {
    match text.parse::<i64>() {
        Ok(n) if n < 0 => {
            Err(ProduceError::BadPartition(format!("`{text}` is negative; partitions start at 0")))
        }
        Ok(n) => i32::try_from(n).map_err(|_| {
            ProduceError::BadPartition(format!(
                "`{text}` is beyond any partition number (at most {})",
                i32::MAX
            ))
        }),
        Err(_) => Err(ProduceError::BadPartition(format!("`{text}` is not a partition number"))),
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
    use proptest::prelude::*;

    const LIMITS: Limits =
        Limits { max_message_bytes: 100, max_headers: 2, max_records: 10, max_submit_bytes: 500 };

    fn fields(text: &str) -> Fields<'_> {
        Fields {
            text,
            topic: None,
            key: None,
            headers: Vec::new(),
            partition: None,
            lines: None,
            repeat: None,
            key_schema: None,
            value_schema: None,
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
                values: vec!["hello"],
                repeat: 1,
                key_schema: None,
                value_schema: None,
            }
        );
    }

    #[test]
    fn schema_ids_are_numbers_or_refused_naming_the_chooser() {
        let chosen =
            Fields { key_schema: Some(" 3 ".into()), value_schema: Some("1".into()), ..fields("{}") };
        let request = ProduceRequest::parse(chosen, LIMITS).unwrap();
        assert_eq!((request.key_schema, request.value_schema), (Some(3), Some(1)));
        assert_eq!(
            ProduceRequest::parse(Fields { value_schema: Some("x".into()), ..fields("{}") }, LIMITS)
                .unwrap_err(),
            ProduceError::BadSchema("Schema subject: `x` is not a schema id.".into())
        );
    }

    #[test]
    fn lines_become_records_in_order_and_repeat_repeats_them() {
        let request = ProduceRequest::parse(
            Fields { lines: Some("on".into()), repeat: Some("2".into()), ..fields("a\n\n  \nb\r\nc") },
            LIMITS,
        )
        .unwrap();
        assert_eq!(request.values, ["a", "b", "c"], "one round, never copied per repeat");
        assert_eq!((0..6).map(|i| request.value_at(i)).collect::<Vec<_>>(), ["a", "b", "c", "a", "b", "c"]);
        assert_eq!((request.record_count(), request.total_bytes()), (6, 6));
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

    #[test]
    fn a_submit_over_its_byte_budget_is_refused_with_the_figures_before_anything_is_copied() {
        let refused = ProduceRequest::parse(
            Fields { repeat: Some("10".into()), key: Some("kk".into()), ..fields(&"v".repeat(58)) },
            LIMITS,
        )
        .unwrap_err();
        assert_eq!(refused, ProduceError::OverBudget { records: 10, bytes: 600, limit: 500 });
        assert_eq!(
            refused.to_string(),
            "That is 10 records and 600 bytes in all; one Submit sends at most 500 bytes. Nothing was produced."
        );
        assert_eq!(refused.status(), 413);
    }

    #[test]
    fn numbers_at_their_limits_are_refused_or_taken_never_wrapped() {
        fn parse(f: Fields<'_>) -> Result<ProduceRequest<'_>, ProduceError> {
            ProduceRequest::parse(f, LIMITS)
        }
        let partition = |text: &str| parse(Fields { partition: Some(text.into()), ..fields("v") });
        assert_eq!(partition("0").unwrap().partition, Some(0));
        assert_eq!(partition(&i32::MAX.to_string()).unwrap().partition, Some(i32::MAX));
        for bad in [
            "-1",
            &i32::MIN.to_string(),
            &(i64::from(i32::MAX) + 1).to_string(),
            &i64::MAX.to_string(),
            &i64::MIN.to_string(),
            "99999999999999999999999",
        ] {
            let error = partition(bad).unwrap_err();
            assert!(matches!(error, ProduceError::BadPartition(_)), "{bad}: {error:?}");
            assert_eq!(error.status(), 400);
        }
        let repeat = |text: &str| parse(Fields { repeat: Some(text.into()), ..fields("v") });
        assert_eq!(repeat("1").unwrap().repeat, 1);
        assert_eq!(repeat("10").unwrap().repeat, 10);
        for bad in [
            "0",
            "-1",
            &i32::MAX.to_string(),
            &i64::MAX.to_string(),
            &u64::MAX.to_string(),
            &i64::MIN.to_string(),
            "18446744073709551616",
        ] {
            let error = repeat(bad).unwrap_err();
            assert!(matches!(error, ProduceError::BadRepeat(_)), "{bad}: {error:?}");
        }
    }

    proptest! {
        /// Whatever the form holds, parsing answers with a request or a reason, and a request
        /// always fits the limits.
        #[test]
        fn any_form_is_a_request_or_a_reason(
            text in ".{0,200}",
            topic in proptest::option::of(".{0,40}"),
            key in proptest::option::of(".{0,40}"),
            partition in proptest::option::of(proptest::prop_oneof![".{0,24}".boxed(), "-?[0-9]{1,25}".boxed()]),
            lines in proptest::option::of(".{0,3}"),
            repeat in proptest::option::of(proptest::prop_oneof![".{0,24}".boxed(), "-?[0-9]{1,25}".boxed()]),
            header_rows in proptest::collection::vec((".{0,10}", ".{0,10}"), 0..4),
        ) {
            let headers = header_rows.into_iter().map(|(name, value)| HeaderField { name, value }).collect();
            let fields = Fields { text: &text, topic, key, headers, partition, lines, repeat, key_schema: None, value_schema: None };
            if let Ok(request) = ProduceRequest::parse(fields, LIMITS) {
                prop_assert!(request.record_count() >= 1 && request.record_count() <= LIMITS.max_records);
                prop_assert!(request.total_bytes() <= LIMITS.max_submit_bytes);
                prop_assert!(request.partition.is_none_or(|p| p >= 0));
            }
        }
    }
}
