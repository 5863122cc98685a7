//! Which records this page has seen: the last offset per partition of its view, so a reconnect
//! repeats nothing and asks for exactly what comes next, and each arrival's place in the page's
//! order.

use std::collections::BTreeMap;

use crate::wire::receipt::Placed;

#[derive(Debug, Default)]
pub struct Arrivals {
    /// The last offset seen per partition (one before the view's start when none was seen yet).
    last_seen: BTreeMap<i32, i64>,
    next_seq: u64,
}

impl Arrivals {
    /// Whether the page sees the record for the first time (a reconnect may repeat some).
    pub fn first_sight(&mut self, partition: i32, offset: i64) -> bool {
        let last = self.last_seen.entry(partition).or_insert(-1);
        let fresh = offset > *last;
        if fresh {
            *last = offset;
        }
        fresh
    }

    /// The next arrival's place in the page's order.
    pub fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// The place the next arrival will take.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The server says where the view of these partitions starts: a partition new to the page
    /// joins the view there; with `reset`, the partition's log started over, and so does the page.
    pub fn view(&mut self, from: &[Placed], reset: bool) {
        for Placed { partition, offset } in from {
            let before_view = offset.saturating_sub(1);
            if reset {
                self.last_seen.insert(*partition, before_view);
            } else {
                self.last_seen.entry(*partition).or_insert(before_view);
            }
        }
    }

    /// Per partition of the view, the next offset the page needs; `None` before the server has
    /// said anything. Every partition the view holds is named, records seen on it or not, so
    /// nothing between the view's start and a reconnect can go missing unsaid.
    pub fn resume_positions(&self) -> Option<BTreeMap<i32, i64>> {
        (!self.last_seen.is_empty())
            .then(|| self.last_seen.iter().map(|(&p, &last)| (p, last.saturating_add(1))).collect())
    }

    /// A new topic or start position: nothing was seen. The order goes on.
    pub fn forget(&mut self) {
        self.last_seen.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_new_once_and_a_reconnect_asks_for_the_next_one() {
        let mut arrivals = Arrivals::default();
        assert_eq!(arrivals.resume_positions(), None);
        assert!(arrivals.first_sight(0, 5));
        assert!(!arrivals.first_sight(0, 5));
        assert!(!arrivals.first_sight(0, 4));
        assert_eq!(arrivals.resume_positions(), Some(BTreeMap::from([(0, 6)])));
    }

    #[test]
    fn the_view_names_unseen_partitions_and_a_reset_moves_back() {
        let mut arrivals = Arrivals::default();
        let at = |partition, offset| Placed { partition, offset };
        arrivals.view(&[at(0, 10), at(1, 0)], false);
        assert!(arrivals.first_sight(0, 10));
        arrivals.view(&[at(0, 0)], false);
        assert_eq!(arrivals.resume_positions(), Some(BTreeMap::from([(0, 11), (1, 0)])));
        arrivals.view(&[at(0, 0)], true);
        assert_eq!(arrivals.resume_positions(), Some(BTreeMap::from([(0, 0), (1, 0)])));
    }
}
