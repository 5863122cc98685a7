//! One Submit, from the form's fields to Kafka's receipt: the gate, the parse, the topic's
//! access and existence, the byte rate, the producer. Each step's refusal is the answer.

use std::sync::Arc;
use std::time::Instant;

use tracing::{Instrument, Span, field};

use crate::server::kafka::catalogue::TopicCatalogue;
use crate::server::kafka::producer::{Batch, SendError, SharedProducer};
use crate::server::metrics::{Outcome, metrics};
use crate::server::produce::gate::ProduceGate;
use crate::server::produce::request::{Fields, Limits, ProduceRequest};
use crate::server::schemas::source::{EncodeError, Schemas};
use crate::wire::produce::ProduceError;
use crate::wire::receipt::Receipt;
use crate::wire::topic_access::TopicAccess;
use crate::wire::topic_name::TopicName;

/// What the produce server function works with, provided in its Leptos context.
pub struct ProduceContext {
    pub producer: SharedProducer,
    pub gate: ProduceGate,
    pub catalogue: Arc<TopicCatalogue>,
    pub topics: TopicAccess,
    pub limits: Limits,
    /// What the key and values are encoded with when the form names a schema.
    pub schemas: Schemas,
}

/// One Submit, in a `produce` span that carries its topic, partition, offset and outcome, and
/// counted in `/metrics`.
pub async fn submit(fields: Fields<'_>) -> Result<Receipt, ProduceError> {
    let started = Instant::now();
    let span = tracing::info_span!(
        "produce",
        topic = field::Empty,
        partition = field::Empty,
        offset = field::Empty,
        records = field::Empty,
        outcome = field::Empty,
    );
    let mut size = Size::default();
    let result = send(fields, &mut size, &span).instrument(span.clone()).await;
    let status = result.as_ref().map_or_else(ProduceError::status, |_| 200);
    metrics().produce(status, size.records, size.bytes, started.elapsed().as_secs_f64());
    let outcome = Outcome::of_status(status);
    span.record("outcome", outcome.label());
    match &result {
        Ok(receipt) => {
            if let Some(first) = receipt.first() {
                span.record("partition", first.partition).record("offset", first.offset);
            }
            // Inside the span, not only parented to it: the JSON format lists the current spans.
            span.in_scope(|| tracing::info!("produced"));
        }
        Err(error) => span.in_scope(|| tracing::info!(status, %error, "not produced")),
    }
    result
}

/// What a request carried, once it was parsed.
#[derive(Default)]
struct Size {
    records: u64,
    bytes: u64,
}

async fn send(fields: Fields<'_>, size: &mut Size, span: &Span) -> Result<Receipt, ProduceError> {
    let ctx = leptos::prelude::expect_context::<Arc<ProduceContext>>();
    ctx.gate.admit()?;
    let request = ProduceRequest::parse(fields, ctx.limits)?;
    *size = Size { records: request.record_count() as u64, bytes: request.total_bytes() };
    let topic = request.topic.as_ref().map_or(ctx.producer.topic(), TopicName::as_str);
    span.record("topic", topic).record("records", size.records);
    ctx.topics.check(topic).map_err(ProduceError::TopicNotAllowed)?;
    check_topic(&ctx.catalogue, &request, ctx.producer.topic()).await?;
    // Encoded before anything is charged or sent: JSON that does not fit produces nothing.
    let key = match (&request.key, request.key_schema) {
        (Some(key), Some(id)) => Some(encode(&ctx.schemas, id, key, "key")?),
        (key, _) => key.as_ref().map(|key| key.as_bytes().to_vec()),
    };
    let encoded = match request.value_schema {
        Some(id) => Some(
            request
                .values
                .iter()
                .map(|value| encode(&ctx.schemas, id, value, "value"))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let values: Vec<&[u8]> = match &encoded {
        Some(encoded) => encoded.iter().map(Vec::as_slice).collect(),
        None => request.values.iter().map(|value| value.as_bytes()).collect(),
    };
    ctx.gate.charge_bytes(request.total_bytes())?;
    let batch = Batch {
        topic: request.topic.as_ref().map(TopicName::as_str),
        key: key.as_deref(),
        partition: request.partition,
        headers: &request.headers,
        values: &values,
        repeat: request.repeat,
    };
    Ok(ctx.producer.produce(batch).await?)
}

/// JSON typed for a schema, in Confluent's wire format; or the path of what does not fit.
fn encode(schemas: &Schemas, id: u32, text: &str, part: &str) -> Result<Vec<u8>, ProduceError> {
    schemas.encode(id, text).map_err(|error| match error {
        EncodeError::UnknownId(id) => {
            ProduceError::BadSchema(format!("Schema id {id} is not in this kafka-live's schema directory."))
        }
        EncodeError::Misfit { subject, misfit } => ProduceError::SchemaMismatch {
            part: part.to_owned(),
            subject,
            path: misfit.path,
            reason: misfit.reason,
        },
    })
}

/// Kafka's refusal, in the page's words.
impl From<SendError> for ProduceError {
    fn from(error: SendError) -> Self {
        match error {
            SendError::TimedOut { timeout_ms, reason } => ProduceError::TimedOut { timeout_ms, reason },
            SendError::TooLarge(text) => ProduceError::RefusedTooLarge(text),
            SendError::NotAuthorised(text) => ProduceError::NotAuthorised(text),
            SendError::UnknownTopic { topic } => ProduceError::UnknownTopic { topic },
            SendError::Refused(text) => ProduceError::Refused(text),
            SendError::PartlyDelivered { delivered, total, first } => ProduceError::PartlyDelivered {
                delivered,
                total,
                reason: ProduceError::from(*first).to_string(),
            },
        }
    }
}

/// Refuses a topic that does not exist and a partition the topic does not have. The
/// configured topic with the partitioner's choice needs no check (start-up made sure of it).
async fn check_topic(
    catalogue: &TopicCatalogue,
    request: &ProduceRequest<'_>,
    default_topic: &str,
) -> Result<(), ProduceError> {
    if request.topic.is_none() && request.partition.is_none() {
        return Ok(());
    }
    let topic = request.topic.as_ref().map_or(default_topic, TopicName::as_str);
    // Unreachable cluster: let the producer report it, as for any produce.
    let Ok(partitions) = catalogue.partitions_with(topic, request.partition.unwrap_or(0)).await else {
        return Ok(());
    };
    let Some(count) = partitions else {
        return Err(ProduceError::UnknownTopic { topic: topic.to_owned() });
    };
    match request.partition {
        Some(partition) if partition >= count => {
            Err(ProduceError::NoSuchPartition { topic: topic.to_owned(), partition, count })
        }
        _ => Ok(()),
    }
}
