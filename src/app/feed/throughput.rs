//! Records per second over the last minute, for the sparkline.

use std::collections::VecDeque;

pub const SPARK_SECONDS: usize = 60;

#[derive(Debug, Default)]
pub struct Throughput {
    /// (second, records that arrived in it), oldest first, at most a minute of them.
    per_second: VecDeque<(i64, u32)>,
}

impl Throughput {
    /// One record arrived in `second` (wall clock, whole seconds).
    pub fn count(&mut self, second: i64) {
        match self.per_second.back_mut() {
            Some((at, count)) if *at == second => *count += 1,
            _ => {
                self.per_second.push_back((second, 1));
                while self.per_second.len() > SPARK_SECONDS {
                    self.per_second.pop_front();
                }
            }
        }
    }

    /// The minute up to `now` (whole seconds), oldest first; a second without records is 0.
    pub fn last_minute(&self, now: i64) -> Vec<u32> {
        (0..SPARK_SECONDS as i64)
            .map(|ago| {
                let second = now - (SPARK_SECONDS as i64 - 1) + ago;
                self.per_second.iter().find(|(at, _)| *at == second).map_or(0, |(_, count)| *count)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_second_counts_its_records_and_quiet_seconds_are_zero() {
        let mut throughput = Throughput::default();
        for second in [100, 100, 100, 102] {
            throughput.count(second);
        }
        let minute = throughput.last_minute(102);
        assert_eq!(minute.len(), SPARK_SECONDS);
        assert_eq!(&minute[SPARK_SECONDS - 3..], &[3, 0, 1]);
        assert_eq!(minute[..SPARK_SECONDS - 3].iter().sum::<u32>(), 0);
        assert_eq!(throughput.last_minute(102 + SPARK_SECONDS as i64).iter().sum::<u32>(), 0);
    }
}
