//! Whether `acks=all` means what a user expects of it.
//!
//! kafka-live produces with `acks=all`, and its receipt says the broker has the record. On a
//! cluster of several brokers that reads as "several copies": but with a replication factor of
//! 1, or `min.insync.replicas=1`, the leader alone satisfies `acks=all`, and losing that one
//! broker loses the record. On a single broker there is nothing more to ask for, so it says
//! nothing.

/// The warning for `topic`, if its settings make `acks=all` a single copy on a multi-broker
/// cluster. `min_insync` is `None` when the cluster did not say (its default is 1).
pub fn single_copy_warning(
    topic: &str,
    brokers: usize,
    replication: usize,
    min_insync: Option<u32>,
) -> Option<String> {
    if brokers < 2 {
        return None;
    }
    if replication < 2 {
        return Some(format!(
            "Topic {topic} has replication factor {replication} on a cluster of {brokers} brokers: acks=all means a single copy, and a record is lost with its broker."
        ));
    }
    let min_insync = min_insync.unwrap_or(1);
    (min_insync < 2).then(|| {
        format!(
            "Topic {topic} has min.insync.replicas={min_insync} (replication factor {replication}, {brokers} brokers): acks=all is satisfied by the leader alone, so an acknowledged record may exist in a single copy."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_copy_is_named_only_where_more_were_possible() {
        assert_eq!(single_copy_warning("order", 1, 1, Some(1)), None, "one broker: nothing better exists");
        assert!(
            single_copy_warning("order", 3, 1, Some(1))
                .unwrap()
                .contains("replication factor 1 on a cluster of 3 brokers")
        );
        assert!(single_copy_warning("order", 3, 3, Some(1)).unwrap().contains("min.insync.replicas=1"));
        assert!(
            single_copy_warning("order", 3, 3, None).unwrap().contains("min.insync.replicas=1"),
            "Kafka's default is 1"
        );
        assert_eq!(single_copy_warning("order", 3, 3, Some(2)), None);
        assert_eq!(single_copy_warning("order", 2, 2, Some(2)), None);
    }
}
