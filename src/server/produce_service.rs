//! One Submit, from the form's fields to Kafka's receipt: the gate, the parse, the topic's
//! access and existence, the byte rate, the producer. Each step's refusal is the answer.

use std::sync::Arc;

use super::kafka::catalogue::TopicCatalogue;
use super::kafka::producer::SharedProducer;
use super::produce_gate::ProduceGate;
use super::produce_request::{Fields, ProduceRequest};
use crate::event::Receipt;
use crate::produce::ProduceError;
use crate::topic_access::TopicAccess;
use crate::topic_name::TopicName;

/// What the produce server function works with, provided in its Leptos context.
pub struct ProduceContext {
    pub producer: SharedProducer,
    pub gate: ProduceGate,
    pub catalogue: Arc<TopicCatalogue>,
    pub topics: TopicAccess,
}

pub async fn submit(fields: Fields<'_>) -> Result<Receipt, ProduceError> {
    let ctx = leptos::prelude::expect_context::<Arc<ProduceContext>>();
    ctx.gate.admit()?;
    let request = ProduceRequest::parse(fields, ctx.producer.limits())?;
    let topic = request.topic.as_ref().map_or(ctx.producer.topic(), TopicName::as_str);
    ctx.topics.check(topic).map_err(ProduceError::TopicNotAllowed)?;
    check_topic(&ctx.catalogue, &request, ctx.producer.topic()).await?;
    ctx.gate.charge_bytes(request.total_bytes())?;
    ctx.producer.produce(&request).await
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
