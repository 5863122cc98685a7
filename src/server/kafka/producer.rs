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
use crate::event::{BrokerStatus, Placed, Receipt};
use crate::produce::ProduceError;
use crate::server::produce_request::{Limits, ProduceRequest};
use crate::server::settings::KafkaSettings;

/// Headers one record may carry from the page.
const MAX_HEADERS: usize = 64;
/// The partitioner Java clients (and Confluent's) use: a key typed here lands on the partition
/// the user's own services would choose for it. librdkafka's default, `consistent_random`,
/// hashes keys with CRC32 and puts 9 of 10 keys elsewhere on a 6-partition topic. Keyless
/// records go to a random partition, as with `consistent_random`.
pub const PARTITIONER: &str = "murmur2_random";
/// Records one Submit may send ("one record per line" times "repeat").
const MAX_RECORDS_PER_SUBMIT: usize = 10_000;

pub type SharedProducer = Arc<Producer>;

pub struct Producer {
    inner: FutureProducer<KafkaContext>,
    context: KafkaContext,
    topic: String,
    timeout: Duration,
    max_message_bytes: usize,
    max_submit_bytes: u64,
}

impl Producer {
    pub fn new(settings: &KafkaSettings, max_submit_bytes: u64) -> Result<Self, ClientError> {
        let timeout_ms = settings.produce_timeout.as_millis().to_string();
        let context = KafkaContext::default();
        let inner = settings
            .client_config()
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
        Ok(Self {
            inner,
            context,
            topic: settings.topic.clone(),
            timeout: settings.produce_timeout,
            max_message_bytes: settings.max_message_bytes,
            max_submit_bytes,
        })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    pub fn limits(&self) -> Limits {
        Limits {
            max_message_bytes: self.max_message_bytes,
            max_headers: MAX_HEADERS,
            max_records: MAX_RECORDS_PER_SUBMIT,
            max_submit_bytes: self.max_submit_bytes,
        }
    }

    /// Produces the request's records in order and waits, at most the produce timeout, for
    /// Kafka's ack of every one.
    pub async fn produce(&self, request: &ProduceRequest<'_>) -> Result<Receipt, ProduceError> {
        let topic = request.topic.as_ref().map_or(self.topic.as_str(), |topic| topic.as_str()).to_owned();
        let headers = (!request.headers.is_empty()).then(|| {
            request
                .headers
                .iter()
                .fold(OwnedHeaders::new_with_capacity(request.headers.len()), |headers, (name, value)| {
                    headers.insert(Header { key: name, value: Some(value.as_str()) })
                })
        });
        let total = request.record_count();
        // Queued in order, one after another: with idempotence, Kafka keeps that order within
        // each partition. librdkafka copies each payload as it queues it, so a repeat costs
        // its bytes once more there, and the budget has bounded them all.
        let mut deliveries = Vec::with_capacity(total);
        let mut refused = None;
        let mut refreshed = false;
        // By index: an iterator of borrowed values held across the await below would make this
        // future's `Send` bound undecidable for the compiler.
        'records: for index in 0..total {
            let value = request.value_at(index);
            loop {
                match self.inner.send_result(record_for(&topic, request, headers.as_ref(), value)) {
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
                            failed.take().or(Some(ProduceError::Refused("the producer was shut down".into())))
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
            Some(error) => Err(ProduceError::PartlyDelivered {
                delivered: placed.len(),
                total,
                reason: error.to_string(),
            }),
        }
    }

    fn timed_out(&self, error: Option<&KafkaError>) -> ProduceError {
        // A timeout says little; the client's own last error says why (unreachable, auth).
        let reason = self.why().or_else(|| error.map(ToString::to_string));
        ProduceError::TimedOut {
            timeout_ms: self.timeout.as_millis() as u64,
            reason: reason.unwrap_or_else(|| "no answer from the producer".into()),
        }
    }

    fn describe(&self, error: KafkaError) -> ProduceError {
        tracing::warn!(topic = %self.topic, error = %ClientError(error.clone()), "produce failed");
        let text = ClientError(error.clone()).to_string();
        match error.rdkafka_error_code() {
            Some(RDKafkaErrorCode::MessageTimedOut | RDKafkaErrorCode::QueueFull) => {
                self.timed_out(Some(&error))
            }
            Some(RDKafkaErrorCode::MessageSizeTooLarge | RDKafkaErrorCode::InvalidMessageSize) => {
                ProduceError::RefusedTooLarge(text)
            }
            Some(
                RDKafkaErrorCode::TopicAuthorizationFailed
                | RDKafkaErrorCode::ClusterAuthorizationFailed
                | RDKafkaErrorCode::TransactionalIdAuthorizationFailed,
            ) => ProduceError::NotAuthorised(text),
            Some(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic) => {
                ProduceError::UnknownTopic { topic: self.topic.clone() }
            }
            _ => ProduceError::Refused(text),
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
    request: &'r ProduceRequest<'_>,
    headers: Option<&OwnedHeaders>,
    value: &'r str,
) -> FutureRecord<'r, str, str> {
    let mut record = FutureRecord::to(topic).payload(value);
    if let Some(key) = &request.key {
        record = record.key(key.as_str());
    }
    if let Some(partition) = request.partition {
        record = record.partition(partition);
    }
    if let Some(headers) = headers {
        record = record.headers(headers.clone());
    }
    record
}
