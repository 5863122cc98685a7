//! How long a page waits before it reconnects: 250 ms, doubling, at most 5 s, and spread at
//! random over half to one and a half times that. When a server restarts, every open page
//! loses its socket in the same instant; without the spread they would all come back in the
//! same millisecond, and again at each doubling.

const FIRST_MS: u64 = 250;
const MAX_MS: u64 = 5_000;

/// The wait before attempt `attempt` (0 for the first retry); `random` is uniform in [0, 1).
pub fn delay_ms(attempt: u32, random: f64) -> u64 {
    let base = FIRST_MS.saturating_mul(1 << attempt.min(10)).min(MAX_MS);
    (base as f64 * (0.5 + random.clamp(0.0, 1.0))) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_spread() {
        assert_eq!((delay_ms(0, 0.0), delay_ms(0, 0.5), delay_ms(0, 0.999_999)), (125, 250, 374));
        assert_eq!(delay_ms(1, 0.5), 500);
        assert_eq!((delay_ms(5, 0.0), delay_ms(5, 0.5), delay_ms(40, 0.5)), (2_500, 5_000, 5_000));
        let spread: std::collections::BTreeSet<u64> =
            (0..10).map(|i| delay_ms(3, f64::from(i) / 10.0)).collect();
        assert_eq!(spread.len(), 10, "pages that lost their socket together come back apart");
    }
}
