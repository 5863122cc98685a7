//! Where Kafka stored what one Submit produced, and how the page says so.

use serde::{Deserialize, Serialize};

/// Where Kafka stored one produced record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Placed {
    pub partition: i32,
    pub offset: i64,
}

/// Where Kafka stored what one Submit produced, in the order it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub topic: String,
    pub records: Vec<Placed>,
}

impl Receipt {
    pub fn first(&self) -> Option<Placed> {
        self.records.first().copied()
    }
}

/// "Delivered to order [partition 1] at offset 5", or for many records
/// "Delivered 3 records to order: partition 0 at offsets 4–5, partition 2 at offset 9".
///
/// A broker may acknowledge a record without its offset (Kafka does for a resent duplicate it
/// already had); the receipt then says so instead of showing a negative offset.
impl std::fmt::Display for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let [one] = self.records.as_slice() {
            return write!(
                f,
                "Delivered to {} [partition {}] {}",
                self.topic,
                one.partition,
                at_offset(one.offset)
            );
        }
        let mut per_partition = std::collections::BTreeMap::<i32, (Vec<i64>, usize)>::new();
        for placed in &self.records {
            let (known, unknown) = per_partition.entry(placed.partition).or_default();
            if placed.offset >= 0 {
                known.push(placed.offset);
            } else {
                *unknown += 1;
            }
        }
        write!(f, "Delivered {} records to {}:", self.records.len(), self.topic)?;
        for (index, (partition, (offsets, unknown))) in per_partition.iter_mut().enumerate() {
            offsets.sort_unstable();
            let separator = if index == 0 { " " } else { ", " };
            write!(f, "{separator}partition {partition}")?;
            if !offsets.is_empty() {
                let word = if offsets.len() == 1 { "offset" } else { "offsets" };
                write!(f, " at {word} {}", ranges(offsets))?;
            }
            match (*unknown, offsets.is_empty()) {
                (0, _) => {}
                (1, true) => write!(f, " at an offset {UNREPORTED}")?,
                (n, true) => write!(f, " at {n} offsets {UNREPORTED}")?,
                (n, false) => write!(f, " and {n} more at offsets {UNREPORTED}")?,
            }
        }
        Ok(())
    }
}

/// "at offset 5", or why there is none.
pub fn at_offset(offset: i64) -> String {
    if offset >= 0 { format!("at offset {offset}") } else { format!("at an offset {UNREPORTED}") }
}

/// Why a receipt has no offset for a record.
const UNREPORTED: &str =
    "the broker did not report (it acknowledges a resent duplicate it already had without one)";

/// `[4, 5, 6, 9]` → "4–6, 9".
fn ranges(sorted: &[i64]) -> String {
    let mut out = Vec::new();
    let mut iter = sorted.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end = iter.next().unwrap_or(end);
        }
        out.push(if start == end { start.to_string() } else { format!("{start}–{end}") });
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_says_how_many_and_where() {
        let placed = |partition, offset| Placed { partition, offset };
        let one = Receipt { topic: "order".into(), records: vec![placed(1, 5)] };
        assert_eq!(one.to_string(), "Delivered to order [partition 1] at offset 5");
        let many = Receipt { topic: "order".into(), records: vec![placed(0, 4), placed(2, 9), placed(0, 5)] };
        assert_eq!(
            many.to_string(),
            "Delivered 3 records to order: partition 0 at offsets 4–5, partition 2 at offset 9"
        );
    }

    #[test]
    fn a_receipt_without_an_offset_says_why() {
        let placed = |partition, offset| Placed { partition, offset };
        let one = Receipt { topic: "order".into(), records: vec![placed(1, -1)] };
        assert_eq!(
            one.to_string(),
            "Delivered to order [partition 1] at an offset the broker did not report (it acknowledges a resent duplicate it already had without one)"
        );
        let many =
            Receipt { topic: "order".into(), records: vec![placed(0, 4), placed(0, -1), placed(2, -1001)] };
        let text = many.to_string();
        assert!(text.starts_with("Delivered 3 records to order: partition 0 at offset 4 and 1 more at offsets the broker did not report"), "{text}");
        assert!(text.contains(", partition 2 at an offset the broker did not report"), "{text}");
        assert!(!text.contains("-1"), "{text}");
    }
}
