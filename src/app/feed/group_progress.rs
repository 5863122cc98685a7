//! The watched consumer group's progress, as the page learns it one look at a time: which
//! records the group has committed past ("consumed by …" on each row, with the time from the
//! record's timestamp to the look that first saw the commit), the lag over the last minute, and
//! the time from a Submit to its records being consumed.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use super::round_trips::RoundTrips;
use crate::wire::consumers::{GroupId, GroupState, GroupView};
use crate::wire::receipt::Placed;

/// Looks kept for the lag sparkline: a minute at one a second.
pub const LAG_SAMPLES: usize = 60;
/// Commits remembered per partition, for the time a record took to be consumed.
const ADVANCES: usize = 1000;
/// Submit-to-consumed samples kept.
const SAMPLES: usize = 10_000;

/// What a row shows once the group has committed past its record.
#[derive(Debug, Clone, PartialEq)]
pub struct Consumed {
    pub group: GroupId,
    /// From the record's timestamp to the look that first saw the commit past it; `None` when
    /// the commit came before this page watched.
    pub after_ms: Option<i64>,
}

impl Consumed {
    pub fn text(&self) -> String {
        match self.after_ms {
            Some(ms) => format!("consumed by {} after {}", self.group, duration(ms)),
            None => format!("consumed by {}", self.group),
        }
    }
}

fn duration(ms: i64) -> String {
    if ms < 10_000 { format!("{ms} ms") } else { format!("{:.1} s", ms as f64 / 1000.0) }
}

/// Per partition: the committed offset, and the commits this page saw move it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Partition {
    committed: Option<i64>,
    /// `(from, to, seen_at_ms)`: the records `from..to` were first seen consumed at `seen_at_ms`.
    advances: VecDeque<(i64, i64, i64)>,
}

/// One group's marks, shared by every row: replaced whole at each look.
#[derive(Debug, Clone, PartialEq)]
pub struct Marks {
    group: GroupId,
    topic: String,
    partitions: BTreeMap<i32, Partition>,
}

impl Marks {
    /// The row's mark, if the group has committed past `offset`.
    pub fn consumed(&self, partition: i32, offset: i64, timestamp_ms: Option<i64>) -> Option<Consumed> {
        let progress = self.partitions.get(&partition)?;
        if progress.committed? <= offset {
            return None;
        }
        let seen = progress.advances.iter().rev().find(|(from, to, _)| (*from..*to).contains(&offset));
        let after_ms = seen.zip(timestamp_ms).map(|((_, _, seen_at), ts)| (seen_at - ts).max(0));
        Some(Consumed { group: self.group.clone(), after_ms })
    }
}

/// Who holds which partitions, as a settled group had it: what a rebalance changes.
type Assignment = Vec<(String, Option<Vec<i32>>)>;

#[derive(Debug, Default)]
pub struct GroupProgress {
    marks: Option<Marks>,
    /// The assignment the group last settled on (Stable, Empty or Dead).
    settled: Option<Assignment>,
    /// What the last rebalance this page saw changed.
    rebalanced: Option<String>,
    /// Total lag at each look, oldest first.
    lag: VecDeque<i64>,
    /// Records this page produced and the group has not yet consumed, with when their Submit
    /// was clicked (page clock).
    awaiting: BTreeMap<Placed, f64>,
    samples: VecDeque<f64>,
}

impl GroupProgress {
    /// Takes in one look; `now` is the page's clock. Returns the new marks for the rows.
    pub fn look(&mut self, view: &GroupView, now: f64) -> Arc<Marks> {
        if self.marks.as_ref().is_none_or(|marks| marks.group != view.group || marks.topic != view.topic) {
            // Another group or topic: nothing this page knew about the last one holds.
            self.marks = Some(Marks {
                group: view.group.clone(),
                topic: view.topic.clone(),
                partitions: BTreeMap::new(),
            });
            self.lag.clear();
            self.settled = None;
            self.rebalanced = None;
        }
        // Settled to settled: a look in the middle of a rebalance sees members without their
        // new partitions (or none), and a rebalance can also finish between two looks, unseen;
        // a change in who holds what between two settled groups is the rebalance either way.
        if matches!(view.state, GroupState::Stable | GroupState::Empty | GroupState::Dead) {
            let mut assignment: Assignment =
                view.members.iter().map(|m| (m.client_id.clone(), m.partitions.clone())).collect();
            assignment.sort();
            if let Some(before) = self.settled.as_ref().filter(|before| **before != assignment) {
                self.rebalanced = Some(rebalance_note(before, &assignment));
            }
            self.settled = Some(assignment);
        }
        let marks = self.marks.as_mut().expect("set above");
        for progress in &view.partitions {
            // A partition this page looked at before: its commits from here on were seen moving.
            let watched = marks.partitions.contains_key(&progress.partition);
            let partition = marks.partitions.entry(progress.partition).or_default();
            let advance = match (partition.committed, progress.committed) {
                (Some(before), Some(after)) if after > before => Some((before, after)),
                // A group's first commit on the partition covers everything before it.
                (None, Some(after)) if watched => Some((0, after)),
                // Reset backwards: what lies past the new offset is unconsumed again.
                (Some(_), Some(after)) => {
                    partition.advances.retain(|(from, _, _)| *from < after);
                    if let Some(last) = partition.advances.back_mut() {
                        last.1 = last.1.min(after);
                    }
                    None
                }
                _ => None,
            };
            if let Some((from, to)) = advance {
                partition.advances.push_back((from, to, view.seen_at_ms));
                if partition.advances.len() > ADVANCES {
                    partition.advances.pop_front();
                }
            }
            partition.committed = progress.committed;
        }
        let mut consumed = Vec::new();
        for (placed, submitted_at) in &self.awaiting {
            if view.partition(placed.partition).is_some_and(|p| p.consumed(placed.offset)) {
                consumed.push((*placed, now - submitted_at));
            }
        }
        for (placed, ms) in consumed {
            self.awaiting.remove(&placed);
            if self.samples.len() == SAMPLES {
                self.samples.pop_front();
            }
            self.samples.push_back(ms);
        }
        if self.lag.len() == LAG_SAMPLES {
            self.lag.pop_front();
        }
        self.lag.push_back(view.total_lag());
        Arc::new(marks.clone())
    }

    /// What the last rebalance this page saw changed.
    pub fn rebalanced(&self) -> Option<String> {
        self.rebalanced.clone()
    }

    /// Records a Submit produced, for the Submit-to-consumed figures.
    pub fn produced(&mut self, records: &[Placed], submitted_at: f64) {
        for placed in records {
            self.awaiting.insert(*placed, submitted_at);
        }
        // A group that never consumes them must not make the page hold them forever.
        while self.awaiting.len() > SAMPLES {
            self.awaiting.pop_first();
        }
    }

    /// Submit to "consumed by the group", p50 and p99.
    pub fn consumed_trips(&self) -> Option<RoundTrips> {
        RoundTrips::of(self.samples.iter().copied())
    }

    /// Total lag per look over the last minute, oldest first, padded with zeros in front.
    pub fn lag_line(&self) -> Vec<u32> {
        let mut line = vec![0; LAG_SAMPLES - self.lag.len()];
        line.extend(self.lag.iter().map(|lag| u32::try_from(*lag).unwrap_or(u32::MAX)));
        line
    }
}

fn rebalance_note(before: &Assignment, after: &Assignment) -> String {
    let members = |n: usize| if n == 1 { "1 member".to_owned() } else { format!("{n} members") };
    let holders: Vec<String> = after
        .iter()
        .map(|(client, partitions)| {
            let client = if client.is_empty() { "a member" } else { client };
            match partitions {
                None => format!("{client}'s partitions are not reported"),
                Some(partitions) => {
                    let list: Vec<String> = partitions.iter().map(i32::to_string).collect();
                    format!("{client} holds [{}]", list.join(", "))
                }
            }
        })
        .collect();
    let now = if holders.is_empty() { "no one holds a partition".to_owned() } else { holders.join("; ") };
    format!("Rebalanced: {} → {}; {now}.", members(before.len()), members(after.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(group: &str, committed: &[Option<i64>], log_end: i64, seen_at_ms: i64) -> GroupView {
        GroupView { seen_at_ms, ..GroupView::for_test(group, committed, 0, log_end) }
    }

    #[test]
    fn a_record_is_marked_once_the_group_commits_past_it_with_the_time_it_took() {
        let mut progress = GroupProgress::default();
        let marks = progress.look(&look("g", &[Some(3)], 5, 1_000), 0.0);
        assert_eq!(marks.consumed(0, 2, Some(900)).map(|c| c.text()).as_deref(), Some("consumed by g"));
        assert_eq!(marks.consumed(0, 3, Some(900)), None, "offset 3 is the next the group reads");
        let marks = progress.look(&look("g", &[Some(5)], 5, 2_000), 0.0);
        assert_eq!(
            marks.consumed(0, 4, Some(1_750)).map(|c| c.text()).as_deref(),
            Some("consumed by g after 250 ms")
        );
        assert_eq!(marks.consumed(1, 0, None), None, "a partition the group was never seen on");
    }

    #[test]
    fn a_groups_first_commit_seen_by_the_page_marks_everything_before_it_with_its_time() {
        let mut progress = GroupProgress::default();
        progress.look(&look("g", &[None], 2, 1_000), 0.0);
        let marks = progress.look(&look("g", &[Some(2)], 2, 1_600), 0.0);
        assert_eq!(marks.consumed(0, 0, Some(1_000)).and_then(|c| c.after_ms), Some(600));
        assert_eq!(marks.consumed(0, 1, Some(1_100)).and_then(|c| c.after_ms), Some(500));
    }

    #[test]
    fn a_reset_backwards_unmarks_what_lies_past_it() {
        let mut progress = GroupProgress::default();
        progress.look(&look("g", &[Some(0)], 4, 0), 0.0);
        progress.look(&look("g", &[Some(4)], 4, 10), 0.0);
        let marks = progress.look(&look("g", &[Some(0)], 4, 20), 0.0);
        assert_eq!(marks.consumed(0, 0, Some(0)), None);
        let marks = progress.look(&look("g", &[Some(4)], 4, 30), 0.0);
        assert_eq!(marks.consumed(0, 1, Some(0)).and_then(|c| c.after_ms), Some(30), "the new commit's time");
    }

    #[test]
    fn submit_to_consumed_is_measured_on_the_page_clock_when_a_look_shows_the_commit() {
        let mut progress = GroupProgress::default();
        progress.produced(&[Placed { partition: 0, offset: 7 }], 100.0);
        progress.look(&look("g", &[Some(7)], 8, 0), 150.0);
        assert_eq!(progress.consumed_trips(), None, "not consumed yet");
        progress.look(&look("g", &[Some(8)], 8, 0), 400.0);
        assert_eq!(progress.consumed_trips(), Some(RoundTrips { count: 1, p50_ms: 300.0, p99_ms: 300.0 }));
    }

    #[test]
    fn a_change_in_who_holds_what_is_reported_as_a_rebalance() {
        use crate::wire::consumers::GroupMember;
        let member = |id: &str, partitions: Vec<i32>| GroupMember {
            client_id: id.into(),
            host: "127.0.0.1".into(),
            partitions: Some(partitions),
        };
        let mut progress = GroupProgress::default();
        let mut two = look("g", &[Some(0), Some(0), Some(0)], 0, 0);
        two.members = vec![member("b", vec![2]), member("a", vec![0, 1])];
        progress.look(&two, 0.0);
        progress.look(&two, 0.0);
        assert_eq!(progress.rebalanced(), None, "the same members, the same partitions");
        // Mid-rebalance: b has left, a still holds what it had.
        let mut rebalancing = two.clone();
        rebalancing.state = GroupState::Rebalancing;
        rebalancing.members = vec![member("a", vec![0, 1])];
        progress.look(&rebalancing, 0.0);
        assert_eq!(progress.rebalanced(), None, "not settled yet");
        let mut one = two.clone();
        one.members = vec![member("a", vec![0, 1, 2])];
        progress.look(&one, 0.0);
        assert_eq!(
            progress.rebalanced().as_deref(),
            Some("Rebalanced: 2 members → 1 member; a holds [0, 1, 2].")
        );
    }

    #[test]
    fn the_lag_line_holds_the_last_minute_and_starts_over_for_another_group() {
        let mut progress = GroupProgress::default();
        progress.look(&look("g", &[Some(1), Some(0)], 5, 0), 0.0);
        let line = progress.lag_line();
        assert_eq!((line.len(), line[LAG_SAMPLES - 1]), (LAG_SAMPLES, 9), "4 after offset 1, 5 uncommitted");
        progress.look(&look("h", &[Some(5)], 5, 0), 0.0);
        assert_eq!(progress.lag_line().iter().sum::<u32>(), 0);
    }
}
