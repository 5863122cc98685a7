//! What a page asks of `/ws`, in its URL: `topic`, `from`, the consumer `group` its Consumers
//! panel watches and, when it reconnects, `resume`.
//! Built by the page and parsed by the server with the same rules; anything can open a socket,
//! so every number is checked at its limits and any text is an answer or a reason.
//!
//! `batch=1` asks for the frames queued at once as one message (see `wire::frame::frames`):
//! the page asks for it; a client that does not gets one frame per message, as it always did.
//!
//! `resume=0:41,1:17,2:-1` names, per partition, the last offset the page has (`-1`: none yet,
//! its view began at offset 0). A page names every partition it has a view of, including those
//! it never saw a record on, so the server can account for everything it missed.

use std::collections::BTreeMap;

use crate::wire::consumers::GroupId;
use crate::wire::start_position::StartFrom;
use crate::wire::topic_name::TopicName;

/// More partitions than any topic a page could ask about has (Kafka's own limit per broker
/// is in the thousands); a longer resume is not from a page.
pub const MAX_RESUME_PARTITIONS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedQuery {
    /// `None`: the configured topic.
    pub topic: Option<TopicName>,
    pub from: StartFrom,
    /// Per partition, the next offset the page needs; `None` for a page's first connection.
    pub resume: Option<BTreeMap<i32, i64>>,
    /// The consumer group whose progress on the topic the socket also carries; `None`: none.
    pub group: Option<WatchGroup>,
    /// Frames queued at once come as one message (`batch=1`).
    pub batch: bool,
}

/// `group=` (empty): the configured group; `group=<id>`: that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchGroup {
    Configured,
    Named(GroupId),
}

impl FeedQuery {
    /// The query's values as they arrive (absent, or as typed).
    pub fn parse(
        topic: Option<&str>,
        from: Option<&str>,
        resume: Option<&str>,
        group: Option<&str>,
    ) -> Result<Self, String> {
        let topic = match topic.map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(TopicName::parse(name).map_err(|reason| format!("topic: {reason}"))?),
        };
        let from =
            StartFrom::from_query(from.unwrap_or_default()).map_err(|reason| format!("from: {reason}"))?;
        let resume = resume.map(parse_resume).transpose()?;
        let group = match group.map(str::trim) {
            None => None,
            Some("") => Some(WatchGroup::Configured),
            Some(id) => {
                Some(WatchGroup::Named(GroupId::parse(id).map_err(|reason| format!("group: {reason}"))?))
            }
        };
        Ok(Self { topic, from, resume, group, batch: false })
    }

    /// `batch=1`, or `0` or nothing for one frame per message.
    pub fn parse_batch(batch: Option<&str>) -> Result<bool, String> {
        match batch.map(str::trim) {
            None | Some("" | "0") => Ok(false),
            Some("1") => Ok(true),
            Some(other) => Err(format!("batch: `{}` is not 1 or 0", clip(other))),
        }
    }

    /// `?topic=…&from=…&resume=…`, or nothing for the defaults. Topic names need no escaping:
    /// Kafka allows only letters, digits, `.`, `_` and `-` in them.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(topic) = &self.topic {
            parts.push(format!("topic={topic}"));
        }
        if self.from != StartFrom::Newest {
            parts.push(format!("from={}", escape(&self.from.to_query())));
        }
        match &self.group {
            None => {}
            Some(WatchGroup::Configured) => parts.push("group=".to_owned()),
            Some(WatchGroup::Named(group)) => parts.push(format!("group={}", percent_encode(group.as_str()))),
        }
        if self.batch {
            parts.push("batch=1".to_owned());
        }
        if let Some(resume) = &self.resume {
            let pairs: Vec<String> = resume.iter().map(|(p, next)| format!("{p}:{}", next - 1)).collect();
            parts.push(format!("resume={}", pairs.join(",")));
        }
        if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
    }
}

/// `:`, `;` and `=` are all a start position holds besides letters and digits.
fn escape(text: &str) -> String {
    text.replace(':', "%3A").replace(';', "%3B").replace('=', "%3D")
}

/// A group id may hold any printable character; all but the unreserved ones are escaped.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `partition:last` pairs separated by commas, into the next offset per partition.
pub fn parse_resume(text: &str) -> Result<BTreeMap<i32, i64>, String> {
    let mut next = BTreeMap::new();
    for pair in text.split(',').filter(|pair| !pair.is_empty()) {
        let (partition, last) = pair
            .split_once(':')
            .ok_or_else(|| format!("resume: `{}` is not partition:offset", clip(pair)))?;
        let partition = partition.parse::<i32>().ok().filter(|p| *p >= 0).ok_or_else(|| {
            format!("resume: `{}` is not a partition number (0 to {})", clip(partition), i32::MAX)
        })?;
        // The last offset seen: -1 for none. The next one must be an offset too, so the
        // largest i64 is refused rather than wrapped.
        let last =
            last.parse::<i64>().ok().filter(|o| (-1..i64::MAX).contains(o)).ok_or_else(|| {
                format!("resume: `{}` is not an offset (-1 to {})", clip(last), i64::MAX - 1)
            })?;
        if next.insert(partition, last + 1).is_some() {
            return Err(format!("resume: partition {partition} is named twice"));
        }
        if next.len() > MAX_RESUME_PARTITIONS {
            return Err(format!("resume: more than {MAX_RESUME_PARTITIONS} partitions"));
        }
    }
    Ok(next)
}

/// Echoes at most a little of what a client sent.
fn clip(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn resume_offsets_parse_per_partition_into_the_next_offset() {
        assert_eq!(parse_resume("0:41,2:7").unwrap(), BTreeMap::from([(0, 42), (2, 8)]));
        assert_eq!(parse_resume("1:-1").unwrap(), BTreeMap::from([(1, 0)]), "-1: nothing seen yet");
        assert!(parse_resume("0-41").is_err());
        assert!(parse_resume("0:-2").is_err());
        assert!(parse_resume("0:1,0:2").unwrap_err().contains("twice"));
    }

    #[test]
    fn numbers_at_their_limits_are_refused_or_taken_never_wrapped() {
        let max = i64::MAX;
        assert_eq!(
            parse_resume(&format!("{}:{}", i32::MAX, max - 1)).unwrap(),
            BTreeMap::from([(i32::MAX, max)])
        );
        for bad in [
            format!("0:{max}"),
            format!("0:{}", i64::MIN),
            "-1:0".to_owned(),
            format!("{}:0", i32::MIN),
            format!("{}:0", i64::from(i32::MAX) + 1),
            "0:99999999999999999999".to_owned(),
        ] {
            assert!(parse_resume(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_query_survives_the_url() {
        let query = FeedQuery {
            topic: Some(TopicName::parse("orders.v2").unwrap()),
            from: StartFrom::from_query("offset:0=5;2=9").unwrap(),
            resume: Some(BTreeMap::from([(0, 0), (1, 18)])),
            group: Some(WatchGroup::Named(GroupId::parse("kitchen group/1&ü").unwrap())),
            batch: false,
        };
        assert_eq!(
            query.to_query(),
            "?topic=orders.v2&from=offset%3A0%3D5%3B2%3D9&group=kitchen%20group%2F1%26%C3%BC&resume=0:-1,1:17"
        );
        let batched = FeedQuery { batch: true, ..FeedQuery::default() };
        assert_eq!(batched.to_query(), "?batch=1");
        assert_eq!(FeedQuery::parse_batch(Some("1")), Ok(true));
        assert_eq!(FeedQuery::parse_batch(Some("0")), Ok(false));
        assert_eq!(FeedQuery::parse_batch(None), Ok(false));
        assert_eq!(FeedQuery::parse_batch(Some("yes")), Err("batch: `yes` is not 1 or 0".to_owned()));
        assert_eq!(
            FeedQuery::parse(
                Some("orders.v2"),
                Some("offset:0=5;2=9"),
                Some("0:-1,1:17"),
                Some("kitchen group/1&ü")
            ),
            Ok(query)
        );
        assert_eq!(
            FeedQuery::parse(None, None, None, Some("a\u{7}")).unwrap_err(),
            "group: A consumer group cannot hold control characters."
        );
        let configured = FeedQuery { group: Some(WatchGroup::Configured), ..FeedQuery::default() };
        assert_eq!(configured.to_query(), "?group=");
        assert_eq!(FeedQuery::parse(None, None, None, Some("")), Ok(configured));
        assert_eq!(FeedQuery::parse(None, None, None, None).unwrap().group, None, "no group, no looks");
        assert_eq!(FeedQuery::default().to_query(), "");
    }

    proptest! {
        #[test]
        fn any_resume_is_positions_or_a_reason(text in ".{0,200}") {
            if let Ok(next) = parse_resume(&text) {
                prop_assert!(next.iter().all(|(p, o)| *p >= 0 && *o >= 0));
            }
        }

        #[test]
        fn numeric_resumes_at_any_value_never_panic(partition in any::<i64>(), offset in any::<i64>()) {
            let _ = parse_resume(&format!("{partition}:{offset}"));
        }

        #[test]
        fn any_query_is_a_request_or_a_reason(
            topic in proptest::option::of(".{0,300}"),
            from in proptest::option::of(proptest::prop_oneof![".{0,60}".boxed(), "(offset|time):-?[0-9=;:,]{0,40}".boxed()]),
            resume in proptest::option::of(".{0,100}"),
        ) {
            if let Ok(query) = FeedQuery::parse(topic.as_deref(), from.as_deref(), resume.as_deref(), None) {
                let again = FeedQuery::parse(
                    query.topic.as_ref().map(TopicName::as_str),
                    Some(&query.from.to_query()),
                    None,
                    None,
                );
                prop_assert_eq!(again.map(|q| (q.topic, q.from)), Ok((query.topic, query.from)));
            }
        }

        #[test]
        fn any_topic_name_is_a_name_or_a_reason(text in ".{0,300}") {
            if let Ok(name) = TopicName::parse(&text) {
                prop_assert!(!name.as_str().is_empty() && name.as_str().len() <= 249);
            }
        }

        #[test]
        fn any_start_position_is_a_position_or_a_reason(text in ".{0,80}", n in any::<i64>()) {
            let _ = StartFrom::from_query(&text);
            let _ = StartFrom::from_query(&format!("time:{n}"));
            let _ = StartFrom::from_query(&format!("offset:{n}"));
            let _ = crate::wire::start_position::parse_offsets(&text);
        }
    }
}
