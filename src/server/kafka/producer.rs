//! The one producer the whole server shares.
//!
//! The original walkthrough built a producer per click and flushed it; that pays a TCP and
//! metadata handshake per message. Here one producer lives as long as the process, with
//! `acks=all` and idempotence so that a receipt on the page means the broker has the record.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer as _};
use rdkafka::util::Timeout;

use super::context::KafkaContext;
use super::error::ClientError;
use crate::event::{BrokerStatus, Receipt};
use crate::produce::ProduceError;
use crate::server::settings::KafkaSettings;

pub type SharedProducer = Arc<Producer>;

pub struct Producer {
    inner: FutureProducer<KafkaContext>,
    context: KafkaContext,
    topic: String,
    timeout: Duration,
    max_message_bytes: usize,
}

/// Text that may be produced: not blank, not over the size limit.
#[derive(Debug)]
pub struct ProducibleText<'a>(&'a str);

impl<'a> ProducibleText<'a> {
    pub fn parse(text: &'a str, max_message_bytes: usize) -> Result<Self, ProduceError> {
        if text.trim().is_empty() {
            return Err(ProduceError::EmptyText);
        }
        if text.len() > max_message_bytes {
            return Err(ProduceError::TooLarge { size: text.len(), limit: max_message_bytes });
        }
        Ok(Self(text))
    }
}

impl Producer {
    pub fn new(settings: &KafkaSettings) -> Result<Self, ClientError> {
        let timeout_ms = settings.produce_timeout.as_millis().to_string();
        let context = KafkaContext::default();
        let inner = settings
            .client_config()
            .set("acks", "all")
            .set("enable.idempotence", "true")
            // Low latency: send each record as soon as it is produced.
            .set("linger.ms", "0")
            .set("socket.nagle.disable", "true")
            // The page's bound: librdkafka gives up on a record after this long.
            .set("message.timeout.ms", &timeout_ms)
            // Let the record's bytes through up to our own limit; the broker still has its own.
            .set("message.max.bytes", (settings.max_message_bytes + 64 * 1024).to_string())
            .create_with_context(context.clone())?;
        Ok(Self {
            inner,
            context,
            topic: settings.topic.clone(),
            timeout: settings.produce_timeout,
            max_message_bytes: settings.max_message_bytes,
        })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Produces one text record and waits, at most the produce timeout, for Kafka's ack.
    pub async fn produce(&self, text: &str) -> Result<Receipt, ProduceError> {
        let ProducibleText(value) = ProducibleText::parse(text, self.max_message_bytes)?;
        let record: FutureRecord<'_, (), str> = FutureRecord::to(&self.topic).payload(value);
        let send = self.inner.send(record, Timeout::After(self.timeout));
        // librdkafka bounds delivery by message.timeout.ms; this outer bound only guards
        // against a queue that never drains, with a little slack so librdkafka speaks first.
        let outcome = tokio::time::timeout(self.timeout + Duration::from_secs(1), send).await;
        match outcome {
            Ok(Ok(delivery)) => Ok(Receipt {
                topic: self.topic.clone(),
                partition: delivery.partition,
                offset: delivery.offset,
            }),
            Ok(Err((error, _message))) => Err(self.describe(error)),
            Err(_elapsed) => Err(ProduceError::TimedOut {
                timeout_ms: self.timeout.as_millis() as u64,
                reason: self.why().unwrap_or_else(|| "no answer from the producer".into()),
            }),
        }
    }

    fn describe(&self, error: KafkaError) -> ProduceError {
        let timed_out = matches!(
            error.rdkafka_error_code(),
            Some(RDKafkaErrorCode::MessageTimedOut | RDKafkaErrorCode::QueueFull)
        );
        tracing::warn!(topic = %self.topic, %error, "produce failed");
        if timed_out {
            // A timeout says little; the client's own last error says why (unreachable, auth).
            let reason = self.why().unwrap_or_else(|| error.to_string());
            ProduceError::TimedOut { timeout_ms: self.timeout.as_millis() as u64, reason }
        } else {
            ProduceError::Refused(error.to_string())
        }
    }

    /// Whether the cluster answers a metadata request for the topic right now.
    pub fn probe(&self, timeout: Duration) -> BrokerStatus {
        match self.inner.client().fetch_metadata(Some(&self.topic), timeout) {
            Ok(_) => BrokerStatus::Reachable,
            Err(error) => {
                BrokerStatus::Unreachable { reason: self.why().unwrap_or_else(|| error.to_string()) }
            }
        }
    }

    fn why(&self) -> Option<String> {
        self.context.errors.recent(self.timeout + Duration::from_secs(5))
    }

    /// Waits for every record in flight, so each receipt already shown is in Kafka.
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.inner.flush(timeout)
    }
}
