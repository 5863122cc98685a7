//! Moving an empty group's offsets on a topic: to its earliest or latest records, to one
//! offset, or to the first record at or after a time. This is how a user replays the topic to
//! the console consumer. Kafka takes an OffsetCommit from outside the group only while the group
//! has no members, so a group with members is refused before anything is asked of it.

use std::collections::BTreeMap;

use rdkafka::Offset;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::GroupsContext;
use super::inspect::{GroupClient, unsupported};
use crate::wire::consumers::{GroupId, GroupState, ResetError, ResetReceipt, ResetTo};

pub async fn reset(
    ctx: &GroupsContext,
    topic: &str,
    group: &GroupId,
    to: ResetTo,
) -> Result<ResetReceipt, ResetError> {
    if ctx.read_only {
        return Err(ResetError::ReadOnly);
    }
    ctx.topics.check(topic).map_err(ResetError::Invalid)?;
    let partitions = match ctx.catalogue.partition_ids(topic).await {
        Ok(Some(partitions)) => partitions,
        Ok(None) => return Err(ResetError::Invalid(format!("Topic {topic} does not exist."))),
        Err(error) => return Err(ResetError::Kafka(format!("Kafka did not answer: {error}"))),
    };
    let client = GroupClient::new(&ctx.settings, group)
        .map_err(|error| ResetError::Kafka(format!("cannot create a Kafka client: {error}")))?;
    let (topic_owned, group_owned, to_owned) = (topic.to_owned(), group.clone(), to.clone());
    let offsets = tokio::task::spawn_blocking(move || {
        commit(&client, &topic_owned, &group_owned, &partitions, &to_owned)
    })
    .await
    .map_err(|_| ResetError::Server("the reset failed inside its thread".into()))??;
    tracing::info!(%group, %topic, to = %to.describe(), ?offsets, "reset a consumer group's offsets");
    Ok(ResetReceipt { group: group.clone(), topic: topic.to_owned(), offsets: offsets.into_iter().collect() })
}

fn commit(
    client: &GroupClient,
    topic: &str,
    group: &GroupId,
    partitions: &[i32],
    to: &ResetTo,
) -> Result<BTreeMap<i32, i64>, ResetError> {
    let kafka = |error: KafkaError| {
        if unsupported(&error) {
            ResetError::Unavailable(format!("This cluster cannot reset a group's offsets ({error})."))
        } else {
            ResetError::Kafka(format!("Kafka did not answer: {error}"))
        }
    };
    let description = client.describe(topic).map_err(kafka)?;
    if !description.members.is_empty()
        || matches!(description.state, GroupState::Stable | GroupState::Rebalancing)
    {
        let count = description.members.len();
        return Err(ResetError::Active(format!(
            "{group} has {count} member{} ({}): stop its consumers first. Kafka lets only an empty group's offsets be reset. Nothing was changed.",
            if count == 1 { "" } else { "s" },
            description.state.label(),
        )));
    }
    let offsets = match to {
        ResetTo::Earliest => client.offsets_at(topic, partitions, Offset::Beginning).map_err(kafka)?,
        ResetTo::Latest => client.offsets_at(topic, partitions, Offset::End).map_err(kafka)?,
        ResetTo::Timestamp { ms } => {
            client.offsets_at(topic, partitions, Offset::Offset(*ms)).map_err(kafka)?
        }
        ResetTo::Offset { offset } => {
            let starts = client.offsets_at(topic, partitions, Offset::Beginning).map_err(kafka)?;
            let ends = client.offsets_at(topic, partitions, Offset::End).map_err(kafka)?;
            for &partition in partitions {
                let (start, end) = (starts[&partition], ends[&partition]);
                if !(start..=end).contains(offset) {
                    return Err(ResetError::Invalid(format!(
                        "Partition {partition} of {topic} holds offsets {start} to {end}: {offset} is outside them. Nothing was changed."
                    )));
                }
            }
            partitions.iter().map(|&partition| (partition, *offset)).collect()
        }
    };
    client.commit(topic, &offsets).map_err(|error| match error.rdkafka_error_code() {
        Some(
            RDKafkaErrorCode::UnknownMemberId
            | RDKafkaErrorCode::IllegalGeneration
            | RDKafkaErrorCode::RebalanceInProgress,
        ) => ResetError::Active(format!(
            "{group} got a member while resetting: stop its consumers first. Nothing was changed."
        )),
        _ => kafka(error),
    })?;
    Ok(offsets)
}
