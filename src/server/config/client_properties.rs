//! A Confluent Cloud `client.properties` file, read as Java reads `.properties` files and
//! handed to librdkafka as it is.
//!
//! The values include the API secret (`sasl.password`), so this type never prints one: its
//! `Debug` shows the keys, and a value only under a key known to be safe. A list of secret
//! keys would miss the next one (`basic.auth.user.info`, `ssl.key.pem`, a `*passphrase*`, an
//! OAUTHBEARER setting): an allow-list cannot.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PropertiesError {
    #[error("cannot read it: {0}")]
    Unreadable(#[from] std::io::Error),
    #[error("line {line}: `{key}` has no `=` or `:` and no value")]
    MissingValue { line: usize, key: String },
    #[error("line {line}: `{key}` is set twice")]
    Duplicate { line: usize, key: String },
}

#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientProperties(BTreeMap<String, String>);

impl ClientProperties {
    pub fn read(path: &Path) -> Result<Self, PropertiesError> {
        Self::parse(&std::fs::read_to_string(path)?)
    }

    /// Parses the `.properties` syntax Confluent Cloud's files use: `key=value` or
    /// `key: value`, `#` and `!` comments, blank lines, and `\` line continuations.
    pub fn parse(text: &str) -> Result<Self, PropertiesError> {
        let mut map = BTreeMap::new();
        let mut lines = text.lines().enumerate();
        while let Some((index, raw)) = lines.next() {
            let mut logical = raw.trim_start().to_owned();
            if logical.is_empty() || logical.starts_with('#') || logical.starts_with('!') {
                continue;
            }
            while ends_with_continuation(&logical) {
                logical.pop();
                match lines.next() {
                    Some((_, next)) => logical.push_str(next.trim_start()),
                    None => break,
                }
            }
            let (key, value) = split_entry(&logical);
            if value.is_none() {
                return Err(PropertiesError::MissingValue { line: index + 1, key: key.to_owned() });
            }
            let value = value.unwrap_or_default().trim_end().to_owned();
            if map.insert(key.to_owned(), value).is_some() {
                return Err(PropertiesError::Duplicate { line: index + 1, key: key.to_owned() });
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Properties whose values say where and how to connect, never who with what secret. Any key
/// not listed here has its value redacted wherever kafka-live prints settings or errors.
const SAFE_KEYS: &[&str] = &[
    "bootstrap.servers",
    "security.protocol",
    "sasl.mechanism",
    "sasl.mechanisms",
    // An API key names an account, as a user name does; it says which credentials failed.
    "sasl.username",
    "client.id",
    "client.dns.lookup",
    "client.rack",
    "session.timeout.ms",
    "request.timeout.ms",
    "socket.timeout.ms",
    "socket.keepalive.enable",
    "metadata.max.age.ms",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "retry.backoff.ms",
    "acks",
    "compression.type",
    "linger.ms",
    "enable.idempotence",
    "api.version.request",
    "broker.version.fallback",
    "ssl.endpoint.identification.algorithm",
    "enable.ssl.certificate.verification",
    "ssl.ca.location",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.keystore.location",
    "debug",
    "log_level",
    "statistics.interval.ms",
];

/// Whether a property's value may be printed: only under a key known to be safe.
pub fn is_safe_key(key: &str) -> bool {
    SAFE_KEYS.contains(&key.trim().to_ascii_lowercase().as_str())
}

impl fmt::Debug for ClientProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(key, value)| {
                let shown = if is_safe_key(key) { value.as_str() } else { "<redacted>" };
                (key, shown)
            }))
            .finish()
    }
}

fn ends_with_continuation(line: &str) -> bool {
    line.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// Splits at the first unescaped `=`, `:` or whitespace, as `java.util.Properties` does.
fn split_entry(line: &str) -> (&str, Option<&str>) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'=' | b':' => return (line[..i].trim_end(), Some(line[i + 1..].trim_start())),
            b' ' | b'\t' => {
                let rest = line[i..].trim_start();
                let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
                return (&line[..i], Some(rest.trim_start()));
            }
            _ => i += 1,
        }
    }
    (line, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_confluent_cloud_file() {
        let text = "# Required connection configs for Kafka producer, consumer, and admin\n\
            bootstrap.servers=pkc-abc.eu-west-1.aws.confluent.cloud:9092\n\
            security.protocol=SASL_SSL\n\
            sasl.mechanisms=PLAIN\n\
            sasl.username=KEY123\n\
            sasl.password=s3cr3t=with=equals\n\
            \n\
            ! Best practice for higher availability in librdkafka clients prior to 1.7\n\
            session.timeout.ms: 45000\n";
        let props = ClientProperties::parse(text).unwrap();
        assert_eq!(props.get("security.protocol"), Some("SASL_SSL"));
        assert_eq!(props.get("sasl.password"), Some("s3cr3t=with=equals"));
        assert_eq!(props.get("session.timeout.ms"), Some("45000"));
    }

    #[test]
    fn joins_continued_lines() {
        let props = ClientProperties::parse("bootstrap.servers=a:9092,\\\n    b:9092\n").unwrap();
        assert_eq!(props.get("bootstrap.servers"), Some("a:9092,b:9092"));
    }

    #[test]
    fn a_key_without_value_is_an_error_with_its_line() {
        let error = ClientProperties::parse("a=1\nsasl.username\n").unwrap_err();
        assert_eq!(error.to_string(), "line 2: `sasl.username` has no `=` or `:` and no value");
    }

    #[test]
    fn debug_shows_only_values_known_to_be_safe() {
        let keys = [
            "sasl.password",
            "basic.auth.user.info",
            "ssl.key.pem",
            "ssl.certificate.pem",
            "ssl.key.password",
            "ssl.keystore.password",
            "ssl.key.passphrase",
            "my.private.passphrase",
            "sasl.oauthbearer.client.secret",
            "sasl.oauthbearer.config",
            "sasl.oauthbearer.client.id",
            "sasl.jaas.config",
            "schema.registry.basic.auth.user.info",
        ];
        let text: String =
            keys.iter().enumerate().map(|(i, key)| format!("{key}=secret-{i}-value\n")).collect();
        let props = ClientProperties::parse(&(text + "security.protocol=SASL_SSL\n")).unwrap();
        let shown = format!("{props:?}");
        for (i, key) in keys.iter().enumerate() {
            assert!(shown.contains(key), "the key is named: {key}");
            assert!(!shown.contains(&format!("secret-{i}-value")), "{key}'s value is not: {shown}");
        }
        assert!(shown.contains("SASL_SSL"), "a safe value is shown: {shown}");
    }
}
