//! The one producer the whole server shares.
//!
//! The original walkthrough built a producer per click and flushed it; that pays a TCP and
//! metadata handshake per message. Here one producer lives as long as the process, with
//! `acks=all` and idempotence so that a receipt on the page means the broker has the record.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer as _};

use super::context::KafkaContext;
use super::error::ClientError;
use crate::server::config::settings::KafkaSettings;
use crate::server::metrics::statistics::Client;
use crate::wire::frame::BrokerStatus;
use crate::wire::receipt::{Placed, Receipt};

/// The partitioner Java clients (and Confluent's) use: a key typed here lands on the partition
/// the user's own services would choose for it. librdkafka's default, `consistent_random`,
/// hashes keys with CRC32 and puts 9 of 10 keys elsewhere on a 6-partition topic. Keyless
/// records go to a random partition, as with `consistent_random`.
pub const PARTITIONER: &str = "murmur2_random";
pub type SharedProducer = Arc<Producer>;

/// Records to send in one go, all with the same key, headers and partition: `values`, in order,
/// `repeat` times over. Borrowed, so a repeat sends the same bytes again instead of copying them.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    /// `None`: the configured topic.
    pub topic: Option<&'a str>,
    pub key: Option<&'a [u8]>,
    /// `None`: the partitioner chooses.
    pub partition: Option<i32>,
    pub headers: &'a [(String, String)],
    pub values: &'a [&'a [u8]],
    pub repeat: usize,
}

impl<'a> Batch<'a> {
    fn len(&self) -> usize {
        self.values.len() * self.repeat
    }

    fn value_at(&self, index: usize) -> &'a [u8] {
        self.values[index % self.values.len()]
    }
}

/// Why Kafka did not take (all of) a batch, in Kafka's terms; the produce step words it for
/// the page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// librdkafka gave up waiting, which is not to say the broker did not write it.
    #[error("not confirmed within {timeout_ms} ms ({reason})")]
    TimedOut { timeout_ms: u64, reason: String },
    #[error("refused as too large: {0}")]
    TooLarge(String),
    #[error("not authorised: {0}")]
    NotAuthorised(String),
    #[error("topic {topic} does not exist")]
    UnknownTopic { topic: String },
    #[error("refused: {0}")]
    Refused(String),
    /// Some records were confirmed; `first` is why the first of the others was not.
    #[error("{delivered} of {total} confirmed ({first})")]
    PartlyDelivered { delivered: usize, total: usize, first: Box<SendError> },
}

pub struct Producer {
    inner: FutureProducer<KafkaContext>,
    context: KafkaContext,
    topic: String,
    timeout: Duration,
}

impl Producer {
    pub fn new(settings: &KafkaSettings) -> Result<Self, ClientError> {
        let timeout_ms = settings.produce_timeout.as_millis().to_string();
        let context = KafkaContext::reporting_as(Client::Producer);
        let inner = settings
            .reporting_client_config()
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("partitioner", PARTITIONER)
            // Low latency: send each record as soon as it is produced.
            .set("linger.ms", "0")
            .set("socket.nagle.disable", "true")
            // The page's bound: librdkafka gives up on a record after this long.
            .set("message.timeout.ms", &timeout_ms)
            // Let the record's bytes through up to our own limit; the broker still has its own.
            .set("message.max.bytes", (settings.max_message_bytes + 64 * 1024).to_string())
            .create_with_context(context.clone())?;
        Ok(Self { inner, context, topic: settings.topic.clone(), timeout: settings.produce_timeout })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Produces the batch's records in order and waits, at most the produce timeout, for
    /// Kafka's ack of every one.
    pub async fn produce(&self, batch: Batch<'_>) -> Result<Receipt, SendError> {
        let topic = batch.topic.unwrap_or(self.topic.as_str()).to_owned();
        let headers = (!batch.headers.is_empty()).then(|| {
            batch
                .headers
                .iter()
                .fold(OwnedHeaders::new_with_capacity(batch.headers.len()), |headers, (name, value)| {
                    headers.insert(Header { key: name, value: Some(value.as_str()) })
                })
        });
        let total = batch.len();
        // Queued in order, one after another: with idempotence, Kafka keeps that order within
        // each partition. librdkafka copies each payload as it queues it, so a repeat costs
        // its bytes once more there, and the budget has bounded them all.
        let mut deliveries = Vec::with_capacity(total);
        let mut refused = None;
        let mut refreshed = false;
        // By index: an iterator of borrowed values held across the await below would make this
        // future's `Send` bound undecidable for the compiler.
        'records: for index in 0..total {
            let value = batch.value_at(index);
            loop {
                match self.inner.send_result(record_for(&topic, &batch, headers.as_ref(), value)) {
                    Ok(delivery) => deliveries.push(delivery),
                    // A partition added since librdkafka last asked (the page checked that it
                    // exists): its metadata is fetched once, and the record sent again.
                    Err((error, _record))
                        if !refreshed
                            && error.rdkafka_error_code() == Some(RDKafkaErrorCode::UnknownPartition) =>
                    {
                        refreshed = true;
                        self.refresh_metadata(&topic).await;
                        continue;
                    }
                    Err((error, _record)) => {
                        refused = Some(self.describe(error));
                        break 'records;
                    }
                }
                break;
            }
        }
        let queued = deliveries.len();
        // librdkafka bounds delivery by message.timeout.ms; this outer bound only guards
        // against a queue that never drains, with a little slack so librdkafka speaks first.
        let mut placed = Vec::with_capacity(queued);
        let mut failed = None;
        let waited = tokio::time::timeout(self.timeout + Duration::from_secs(1), async {
            for delivery in deliveries {
                match delivery.await {
                    Ok(Ok(delivery)) => {
                        placed.push(Placed { partition: delivery.partition, offset: delivery.offset })
                    }
                    Ok(Err((error, _message))) => failed = failed.take().or(Some(self.describe(error))),
                    Err(_canceled) => {
                        failed =
                            failed.take().or(Some(SendError::Refused("the producer was shut down".into())))
                    }
                }
            }
        })
        .await;
        if waited.is_err() {
            failed = Some(self.timed_out(None));
        }
        match failed.or(refused) {
            None => Ok(Receipt { topic, records: placed }),
            Some(error) if placed.is_empty() => Err(error),
            Some(error) => {
                Err(SendError::PartlyDelivered { delivered: placed.len(), total, first: Box::new(error) })
            }
        }
    }

    fn timed_out(&self, error: Option<&KafkaError>) -> SendError {
        // A timeout says little; the client's own last error says why (unreachable, auth).
        let reason = self.why().or_else(|| error.map(ToString::to_string));
        SendError::TimedOut {
            timeout_ms: self.timeout.as_millis() as u64,
            reason: reason.unwrap_or_else(|| "no answer from the producer".into()),
        }
    }

    fn describe(&self, error: KafkaError) -> SendError {
        tracing::warn!(topic = %self.topic, error = %ClientError(error.clone()), "produce failed");
        let text = ClientError(error.clone()).to_string();
        match error.rdkafka_error_code() {
            Some(RDKafkaErrorCode::MessageTimedOut | RDKafkaErrorCode::QueueFull) => {
                self.timed_out(Some(&error))
            }
            Some(RDKafkaErrorCode::MessageSizeTooLarge | RDKafkaErrorCode::InvalidMessageSize) => {
                SendError::TooLarge(text)
            }
            Some(
                RDKafkaErrorCode::TopicAuthorizationFailed
                | RDKafkaErrorCode::ClusterAuthorizationFailed
                | RDKafkaErrorCode::TransactionalIdAuthorizationFailed,
            ) => SendError::NotAuthorised(text),
            Some(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic) => {
                SendError::UnknownTopic { topic: self.topic.clone() }
            }
            _ => SendError::Refused(text),
        }
    }

    /// Asks the cluster for the topic's metadata, which librdkafka keeps for its producer.
    async fn refresh_metadata(&self, topic: &str) {
        let client = self.inner.clone();
        let (topic, timeout) = (topic.to_owned(), self.timeout);
        let refreshed =
            tokio::task::spawn_blocking(move || client.client().fetch_metadata(Some(&topic), timeout)).await;
        if let Ok(Err(error)) = refreshed {
            tracing::warn!(error = %ClientError(error), "cannot refresh the producer's metadata");
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

fn record_for<'r>(
    topic: &'r str,
    batch: &Batch<'r>,
    headers: Option<&OwnedHeaders>,
    value: &'r [u8],
) -> FutureRecord<'r, [u8], [u8]> {
    let mut record = FutureRecord::to(topic).payload(value);
    if let Some(key) = batch.key {
        record = record.key(key);
    }
    if let Some(partition) = batch.partition {
        record = record.partition(partition);
    }
    if let Some(headers) = headers {
        record = record.headers(headers.clone());
    }
    record
}
