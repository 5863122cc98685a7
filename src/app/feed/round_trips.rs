//! Submit-to-arrival times for records produced from this page. A record's round trip is known
//! once both its receipt and its arrival are in, whichever comes first: a receipt waits for its
//! records in `awaiting`; an arrival waits for a receipt in `recent`, but only while a Submit
//! is out, since only then can it be one of this page's records.
//!
//! `T` is where a measured time goes (the shown row's signal); the clock itself is plain data.

use std::collections::{HashMap, VecDeque};

use crate::wire::receipt::Placed;

/// Round-trip times kept for the session's p50 and p99.
const SAMPLES: usize = 10_000;
/// Arrivals remembered while a Submit waits for its receipt, for records that come back first.
const RECENT_ARRIVALS: usize = 20_000;
/// Produced from this page and not yet arrived; older entries are dropped past this.
const AWAITING_LIMIT: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundTrips {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl RoundTrips {
    /// p50 and p99 of these samples; `None` without any.
    pub fn of(samples: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut sorted: Vec<f64> = samples.into_iter().collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        Some(RoundTrips { count: sorted.len(), p50_ms: at(0.5), p99_ms: at(0.99) })
    }
}

/// A measured round trip, and where it goes.
pub type Measured<T> = (Option<T>, f64);

pub struct RoundTripClock<T> {
    /// Records this page produced, with when their Submit was clicked.
    awaiting: HashMap<Placed, f64>,
    submitting: bool,
    /// Arrivals with no receipt yet, and their order for eviction.
    recent: HashMap<Placed, (f64, Option<T>)>,
    recent_order: VecDeque<Placed>,
    samples: VecDeque<f64>,
    changed: bool,
}

impl<T> Default for RoundTripClock<T> {
    fn default() -> Self {
        Self {
            awaiting: HashMap::new(),
            submitting: false,
            recent: HashMap::new(),
            recent_order: VecDeque::new(),
            samples: VecDeque::new(),
            changed: false,
        }
    }
}

impl<T> RoundTripClock<T> {
    /// A record arrived at `at`: its round trip if its receipt came first; else, while a Submit
    /// is out, it is kept for a receipt still on its way.
    pub fn arrived(&mut self, placed: Placed, at: f64, target: Option<T>) -> Option<Measured<T>> {
        if let Some(sent) = self.awaiting.remove(&placed) {
            return Some(self.sample(target, at - sent));
        }
        if self.submitting {
            self.recent.insert(placed, (at, target));
            self.recent_order.push_back(placed);
            if self.recent_order.len() > RECENT_ARRIVALS
                && let Some(oldest) = self.recent_order.pop_front()
            {
                self.recent.remove(&oldest);
            }
        }
        None
    }

    /// A Submit was clicked: until it settles, arrivals may be its records.
    pub fn submit_started(&mut self) {
        self.submitting = true;
    }

    /// The receipt of a Submit clicked at `submitted_at`: the round trips of its records that
    /// already arrived; the others wait for their records. The Submit has settled.
    pub fn produced(&mut self, records: &[Placed], submitted_at: f64) -> Vec<Measured<T>> {
        let mut measured = Vec::new();
        for placed in records {
            match self.recent.remove(placed) {
                Some((at, target)) => measured.push(self.sample(target, (at - submitted_at).max(0.0))),
                None => {
                    if self.awaiting.len() >= AWAITING_LIMIT {
                        self.awaiting.clear();
                    }
                    self.awaiting.insert(*placed, submitted_at);
                }
            }
        }
        self.settled();
        measured
    }

    /// The Submit has its answer (a receipt or an error): what arrives now is not its.
    pub fn settled(&mut self) {
        self.submitting = false;
        self.recent.clear();
        self.recent_order.clear();
    }

    /// Arrivals kept for a receipt.
    #[cfg(test)]
    pub fn remembered(&self) -> usize {
        self.recent.len()
    }

    /// The session's figures, when a round trip was measured since they were last asked for.
    pub fn summary_if_changed(&mut self) -> Option<RoundTrips> {
        if !std::mem::take(&mut self.changed) {
            return None;
        }
        RoundTrips::of(self.samples.iter().copied())
    }

    fn sample(&mut self, target: Option<T>, ms: f64) -> Measured<T> {
        if self.samples.len() == SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back(ms);
        self.changed = true;
        (target, ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: fn(i64) -> Placed = |offset| Placed { partition: 0, offset };

    #[test]
    fn the_receipt_first_then_the_record() {
        let mut clock = RoundTripClock::default();
        assert!(clock.produced(&[AT(1)], 100.0).is_empty());
        assert_eq!(clock.arrived(AT(1), 130.0, Some("row 1")), Some((Some("row 1"), 30.0)));
        assert_eq!(clock.summary_if_changed(), Some(RoundTrips { count: 1, p50_ms: 30.0, p99_ms: 30.0 }));
        assert_eq!(clock.summary_if_changed(), None, "nothing new since");
    }

    #[test]
    fn the_record_first_then_the_receipt() {
        let mut clock = RoundTripClock::default();
        clock.submit_started();
        assert_eq!(clock.arrived(AT(2), 120.0, Some("row 2")), None);
        assert_eq!(clock.produced(&[AT(2)], 100.0), [(Some("row 2"), 20.0)]);
        assert_eq!(clock.remembered(), 0);
    }

    #[test]
    fn arrivals_are_kept_only_while_a_submit_is_out() {
        let mut clock = RoundTripClock::<()>::default();
        clock.arrived(AT(1), 1.0, None);
        assert_eq!(clock.remembered(), 0, "with no Submit out, an arrival is nobody's round trip");
        clock.submit_started();
        clock.arrived(AT(2), 2.0, None);
        assert_eq!(clock.remembered(), 1);
        clock.settled();
        assert_eq!(clock.remembered(), 0, "a settled Submit forgets what it did not claim");
    }
}
