//! librdkafka errors made safe to show.
//!
//! rdkafka's `Display` for a configuration error prints the offending value. For a Java-style
//! Confluent Cloud file, that value is `sasl.jaas.config`, which holds the API secret. Every
//! client kafka-live creates reports its errors through this type instead.

use std::fmt;

use rdkafka::error::KafkaError;

use crate::server::config::client_properties::is_safe_key;

#[derive(Debug)]
pub struct ClientError(pub KafkaError);

impl From<KafkaError> for ClientError {
    fn from(error: KafkaError) -> Self {
        Self(error)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            // librdkafka's description quotes the value too ("Invalid value \"…\" for …").
            // The description may quote the value: it is cut out, whatever the key.
            KafkaError::ClientConfig(_, description, key, value) if !is_safe_key(key) => {
                let description = if value.is_empty() {
                    description.clone()
                } else {
                    description.replace(value.as_str(), "<redacted>")
                };
                write!(f, "librdkafka refused the property `{key}` (its value is not shown): {description}")
            }
            KafkaError::ClientConfig(_, description, key, value) => {
                write!(f, "librdkafka refused the property `{key}` = `{value}`: {description}")
            }
            other => other.fmt(f),
        }
    }
}

impl std::error::Error for ClientError {}

/// librdkafka reconnects by itself and reports the same error on every poll meanwhile: a reader
/// says each distinct error once, not once a poll, and pauses before polling again.
#[derive(Debug, Default)]
pub struct SayOnce {
    last: Option<String>,
}

impl SayOnce {
    /// Calls `say` with `text` unless it is the error said last, then waits `pause`.
    pub async fn error(&mut self, text: String, pause: std::time::Duration, say: impl FnOnce(&str)) {
        if self.last.as_deref() != Some(&text) {
            say(&text);
            self.last = Some(text);
        }
        tokio::time::sleep(pause).await;
    }

    /// Something worked: the next error is news again.
    pub fn clear(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::ClientConfig;
    use rdkafka::producer::BaseProducer;

    #[test]
    fn a_refused_secret_property_is_named_but_not_shown() {
        let jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required \
                    username=\"KEY\" password=\"top-secret-123\";";
        let Err(error) = ClientConfig::new().set("sasl.jaas.config", jaas).create::<BaseProducer>() else {
            panic!("librdkafka has no sasl.jaas.config");
        };
        assert!(error.to_string().contains("top-secret-123"), "rdkafka itself shows it: {error}");
        let shown = ClientError(error).to_string();
        assert!(shown.contains("sasl.jaas.config"), "{shown}");
        assert!(!shown.contains("top-secret-123"), "{shown}");
    }

    #[test]
    fn a_refused_ordinary_property_says_why() {
        let Err(error) = ClientConfig::new().set("acks", "several").create::<BaseProducer>() else {
            panic!("acks=several was accepted");
        };
        // A value under a key not known to be safe is never shown, secret-looking or not.
        let Err(unknown) =
            ClientConfig::new().set("basic.auth.user.info", "KEY:hunter2").create::<BaseProducer>()
        else {
            panic!("librdkafka took a Schema Registry property");
        };
        let unknown = ClientError(unknown).to_string();
        assert!(unknown.contains("basic.auth.user.info") && !unknown.contains("hunter2"), "{unknown}");
        let shown = ClientError(error).to_string();
        assert!(shown.contains("acks") && shown.contains("several"), "{shown}");
    }
}
