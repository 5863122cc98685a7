//! The feed's filter: a substring (any case), or a `/regex/flags` in JavaScript's syntax,
//! matched against a record's key, value and header values.

use super::platform::Regex;
use crate::wire::record::{FeedRecord, Payload};

pub enum Matcher {
    Everything,
    Substring(String),
    Regex(Regex),
}

impl Matcher {
    /// An invalid regex is an error to show beside the box; the feed keeps flowing meanwhile.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(Matcher::Everything);
        }
        if let Some(body) = text.strip_prefix('/')
            && let Some(end) = body.rfind('/')
            && text.len() > 2
        {
            let (pattern, flags) = (&body[..end], &body[end + 1..]);
            return Regex::new(pattern, flags)
                .map(Matcher::Regex)
                .map_err(|reason| format!("Invalid regex: {reason}"));
        }
        Ok(Matcher::Substring(text.to_lowercase()))
    }

    pub fn matches(&self, record: &FeedRecord) -> bool {
        let test = |text: &str| match self {
            Matcher::Everything => true,
            Matcher::Substring(needle) => text.to_lowercase().contains(needle.as_str()),
            Matcher::Regex(regex) => regex.is_match(text),
        };
        let payload = |payload: &Option<Payload>| payload.as_ref().is_some_and(|p| test(&p.display()));
        matches!(self, Matcher::Everything)
            || payload(&record.key)
            || payload(&record.value)
            || record.headers.iter().any(|header| payload(&header.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::record::RecordHeader;

    fn record(key: Option<&str>, value: &str, header: Option<&str>) -> FeedRecord {
        FeedRecord {
            topic: "t".into(),
            partition: 0,
            offset: 0,
            timestamp: None,
            key: key.map(|k| Payload::Text(k.into())),
            headers: header
                .map(|h| RecordHeader {
                    name: "h".into(),
                    binary_name: false,
                    value: Some(Payload::Text(h.into())),
                })
                .into_iter()
                .collect(),
            value: Some(Payload::Text(value.into())),
            size: 0,
            cut: false,
            omitted_headers: 0,
            key_decoding: None,
            value_decoding: None,
        }
    }

    #[test]
    fn a_substring_matches_key_value_or_header_value_in_any_case() {
        let matcher = Matcher::parse("Pizza").unwrap();
        assert!(matcher.matches(&record(None, "one pizza", None)));
        assert!(matcher.matches(&record(Some("PIZZA-1"), "x", None)));
        assert!(matcher.matches(&record(None, "x", Some("pizza"))));
        assert!(!matcher.matches(&record(Some("pasta"), "salad", Some("soup"))));
    }

    #[test]
    fn an_empty_filter_matches_everything() {
        assert!(Matcher::parse("").unwrap().matches(&record(None, "anything", None)));
    }

    #[test]
    fn slashes_make_a_regex_and_a_lone_slash_is_text() {
        // On the server, regexes are accepted unchecked (the browser's RegExp checks them).
        assert!(matches!(Matcher::parse("/a+b/i"), Ok(Matcher::Regex(_))));
        assert!(matches!(Matcher::parse("/"), Ok(Matcher::Substring(_))));
        assert!(matches!(Matcher::parse("a/b"), Ok(Matcher::Substring(_))));
    }
}
