//! What a reader does when the offset it reads next is no longer in the partition's log.
//!
//! librdkafka's default (`auto.offset.reset=latest`) jumps to the end without a word, so the
//! records in between would vanish from the page. kafka-live's readers set
//! `auto.offset.reset=error` instead, and on that error compare where they are with the log:
//! - behind its start (retention deleted what they had not read yet): the records in between
//!   are counted as missed, and reading goes on from the log's start;
//! - past its end (the topic was deleted and created again, or the log truncated): what the
//!   page saw there is gone, so the partition starts again from the log's start, and the page
//!   is told why.

use std::collections::BTreeMap;

/// What one partition needs after an out-of-range error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Records `next..low` were deleted before they were read.
    Missed { partition: i32, count: u64, low: i64 },
    /// The log ends before `next`: it is not the log that was read.
    Reset { partition: i32, low: i64, reason: String },
}

impl Repair {
    pub fn partition(&self) -> i32 {
        match self {
            Repair::Missed { partition, .. } | Repair::Reset { partition, .. } => *partition,
        }
    }

    /// Where reading goes on.
    pub fn from(&self) -> i64 {
        match self {
            Repair::Missed { low, .. } | Repair::Reset { low, .. } => *low,
        }
    }
}

/// For each partition whose `next` offset lies outside its log (`(low, high)` watermarks), what
/// to do; partitions inside their log need nothing.
pub fn repairs(
    topic: &str,
    next: &BTreeMap<i32, i64>,
    watermarks: &BTreeMap<i32, (i64, i64)>,
) -> Vec<Repair> {
    next.iter()
        .filter_map(|(&partition, &next)| {
            let &(low, high) = watermarks.get(&partition)?;
            if next < low {
                Some(Repair::Missed { partition, count: (low - next) as u64, low })
            } else if next > high {
                Some(Repair::Reset {
                    partition,
                    low,
                    reason: format!(
                        "Partition {partition} of {topic} now ends at offset {high}, before offset {next} that was already read: the topic was deleted and created again, or its log was truncated. It is read again from offset {low}."
                    ),
                })
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_counted_and_a_log_that_ends_too_soon_starts_over() {
        let next = BTreeMap::from([(0, 5), (1, 50), (2, 7)]);
        let marks = BTreeMap::from([(0, (20, 30)), (1, (0, 3)), (2, (0, 7))]);
        let repairs = repairs("t", &next, &marks);
        assert_eq!(repairs[0], Repair::Missed { partition: 0, count: 15, low: 20 });
        assert!(
            matches!(&repairs[1], Repair::Reset { partition: 1, low: 0, reason } if reason.contains("ends at offset 3, before offset 50"))
        );
        assert_eq!(repairs.len(), 2, "partition 2 is at its log's end: nothing to repair");
    }
}
