//! What one reader of `/ws` saw, counted the way the load test and the fan-out benchmark judge
//! a socket: records, records it was told it missed, and, per partition, records that came again
//! or out of order and offsets it never got. Frames are read cheaply (a prefix and two numbers,
//! not decoded whole): 1,000 readers in one process must keep up with the server, or it drops
//! them as stalled clients.

use std::collections::BTreeMap;

use kafka_live::wire::frame::{missed_count, record_position};

#[derive(Debug, Default)]
pub struct Tally {
    pub records: u64,
    /// The sum of the "missed N" frames.
    pub missed: u64,
    /// Records at or below an offset already seen in their partition.
    pub repeated: u64,
    /// Offsets passed over within a partition, after its first record.
    pub gaps: u64,
    /// Records at or below `after` in every partition are not counted (a warm-up record).
    after: Option<i64>,
    next: BTreeMap<i32, i64>,
}

impl Tally {
    /// A tally that leaves out records at or below `offset`: a warm-up written before the
    /// measured stream, which some readers see and some do not.
    pub fn after(offset: i64) -> Self {
        Tally { after: Some(offset), ..Tally::default() }
    }

    /// Counts one text frame; any frame that is neither a record nor "missed" counts nothing.
    pub fn count(&mut self, frame: &str) {
        if let Some((partition, offset)) = record_position(frame) {
            if self.after.is_some_and(|after| offset <= after) {
                return;
            }
            match self.next.get(&partition) {
                Some(&next) if offset < next => self.repeated += 1,
                Some(&next) => self.gaps += (offset - next) as u64,
                None => {}
            }
            let next = self.next.entry(partition).or_insert(offset + 1);
            *next = (*next).max(offset + 1);
            self.records += 1;
        } else if let Some(count) = missed_count(frame) {
            self.missed += count;
        }
    }
}
