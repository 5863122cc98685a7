//! Which topics the page may read and write: allow and deny patterns from the settings, and
//! Kafka's internal topics hidden and refused unless turned on. The server enforces them on
//! every socket, produce and topic creation; the page gets the same rules with the topic list,
//! so it says why instead of knocking on a socket the server will refuse.
//!
//! Internal topics hold the cluster's own bookkeeping: `__consumer_offsets` carries every
//! consumer group's positions and metadata, `_schemas` a Schema Registry's store, `_confluent*`
//! Confluent's. A page that streamed them would hand that to anyone who can open it.

use serde::{Deserialize, Serialize};

/// A topic-name pattern: `*` matches any run of characters, `?` any one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicPattern(String);

impl TopicPattern {
    pub fn new(pattern: &str) -> Self {
        Self(pattern.trim().to_owned())
    }

    pub fn matches(&self, name: &str) -> bool {
        glob(self.0.as_bytes(), name.as_bytes())
    }
}

impl std::fmt::Display for TopicPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn glob(pattern: &[u8], name: &[u8]) -> bool {
    // Iterative, with one backtrack point: linear in practice, never exponential.
    let (mut p, mut n) = (0, 0);
    let (mut star, mut resume) = (None, 0);
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some(p);
                resume = n;
                p += 1;
            }
            Some(&c) if c == b'?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some(at) => {
                    p = at + 1;
                    resume += 1;
                    n = resume;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Kafka's and its ecosystem's own topics.
pub fn is_internal(name: &str) -> bool {
    name.starts_with("__") || name == "_schemas" || name.starts_with("_confluent")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicAccess {
    /// A topic must match one of these (`*` by default).
    pub allow: Vec<TopicPattern>,
    /// And none of these.
    pub deny: Vec<TopicPattern>,
    /// Whether internal topics may be shown and written.
    pub internal: bool,
}

impl Default for TopicAccess {
    fn default() -> Self {
        Self { allow: vec![TopicPattern::new("*")], deny: Vec::new(), internal: false }
    }
}

impl TopicAccess {
    /// `Ok` when the page may read and write `name`; else the reason, for the user.
    pub fn check(&self, name: &str) -> Result<(), String> {
        if !self.internal && is_internal(name) {
            return Err(format!(
                "Topic {name} is internal to Kafka: kafka-live neither shows nor writes it (access.internal-topics)."
            ));
        }
        if let Some(pattern) = self.deny.iter().find(|pattern| pattern.matches(name)) {
            return Err(format!(
                "Topic {name} is not open to this kafka-live (access.topics-deny: {pattern})."
            ));
        }
        if !self.allow.iter().any(|pattern| pattern.matches(name)) {
            let allowed: Vec<String> = self.allow.iter().map(ToString::to_string).collect();
            return Err(format!(
                "Topic {name} is not open to this kafka-live: it matches none of access.topics-allow ({}).",
                allowed.join(", ")
            ));
        }
        Ok(())
    }

    pub fn visible(&self, name: &str) -> bool {
        self.check(name).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn internal_topics_are_refused_unless_turned_on() {
        let access = TopicAccess::default();
        for name in ["__consumer_offsets", "__transaction_state", "_schemas", "_confluent-metrics"] {
            assert!(access.check(name).unwrap_err().contains("internal to Kafka"), "{name}");
        }
        assert!(access.check("order").is_ok());
        assert!(access.check("_private").is_ok(), "one underscore is a user's topic");
        assert!(TopicAccess { internal: true, ..TopicAccess::default() }.check("__consumer_offsets").is_ok());
    }

    #[test]
    fn allow_and_deny_patterns_decide_the_rest() {
        let access = TopicAccess {
            allow: vec![TopicPattern::new("orders.*"), TopicPattern::new("audit-??")],
            deny: vec![TopicPattern::new("*.secret")],
            internal: false,
        };
        assert!(access.check("orders.eu").is_ok());
        assert!(access.check("audit-01").is_ok());
        assert!(
            access
                .check("audit-001")
                .unwrap_err()
                .contains("matches none of access.topics-allow (orders.*, audit-??)")
        );
        assert!(access.check("orders.secret").unwrap_err().contains("topics-deny: *.secret"));
    }

    #[test]
    fn patterns_match_like_shell_globs() {
        let m = |p: &str, n: &str| TopicPattern::new(p).matches(n);
        assert!(m("*", "") && m("*", "anything") && m("a*b*c", "aXbYc") && m("a?c", "abc"));
        assert!(!m("a*b", "a") && !m("a?c", "ac") && !m("abc", "abcd"));
    }

    proptest! {
        #[test]
        fn any_pattern_and_name_give_an_answer(pattern in "[a-z*?._-]{0,30}", name in "[a-z._-]{0,60}") {
            let _ = TopicPattern::new(&pattern).matches(&name);
        }

        #[test]
        fn a_literal_pattern_matches_exactly_itself(name in "[a-z._-]{1,40}", other in "[a-z._-]{1,40}") {
            prop_assert!(TopicPattern::new(&name).matches(&name));
            prop_assert_eq!(TopicPattern::new(&name).matches(&other), name == other);
        }
    }
}
