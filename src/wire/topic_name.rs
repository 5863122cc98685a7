//! Kafka's rules for a topic name, checked before a name reaches the cluster (the page, the
//! produce function and the socket all take names from users).

/// A name Kafka accepts: 1–249 of `a-z A-Z 0-9 . _ -`, and not `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicName(String);

impl TopicName {
    pub fn parse(text: &str) -> Result<Self, String> {
        let name = text.trim();
        if name.is_empty() {
            return Err("Enter a topic name.".into());
        }
        if name.len() > 249 {
            return Err(format!("A topic name is at most 249 characters; this one is {}.", name.len()));
        }
        if name == "." || name == ".." {
            return Err(format!("`{name}` cannot be a topic name."));
        }
        if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(format!("`{bad}` cannot be in a topic name: use letters, digits, `.`, `_` and `-`."));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TopicName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_names_pass_and_others_say_why() {
        assert_eq!(TopicName::parse(" order.v2_x-1 ").unwrap().as_str(), "order.v2_x-1");
        assert!(TopicName::parse("").unwrap_err().contains("Enter"));
        assert!(TopicName::parse("a b").unwrap_err().contains("` ` cannot"));
        assert!(TopicName::parse("..").is_err());
        assert!(TopicName::parse(&"x".repeat(250)).unwrap_err().contains("249"));
    }
}
