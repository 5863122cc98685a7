//! A token bucket per client address: `burst` tokens at once, refilled at `per_second`. A
//! request takes as many tokens as it costs: one per request, or one per byte it produces.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Beyond this many tracked clients, buckets that have refilled are forgotten.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: f64) -> Self {
        Self { per_second, burst, buckets: Mutex::new(HashMap::new()) }
    }

    /// `Ok` takes `cost` tokens; `Err` says how long until there are enough (a cost above the
    /// burst never fits, and is the caller's to refuse first).
    pub fn check(&self, client: IpAddr, now: Instant, cost: f64) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock();
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, bucket| self.refill(*bucket, now) < self.burst);
        }
        let bucket = buckets.entry(client).or_insert(Bucket { tokens: self.burst, updated: now });
        bucket.tokens = self.refill(*bucket, now);
        bucket.updated = now;
        if bucket.tokens >= cost {
            bucket.tokens -= cost;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((cost - bucket.tokens) / self.per_second))
        }
    }

    fn refill(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const YOU: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn a_burst_then_the_steady_rate_per_client() {
        let limiter = RateLimiter::new(2.0, 3.0);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(ME, start, 1.0).is_ok());
        }
        let wait = limiter.check(ME, start, 1.0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500), "one token comes back every 1/rate seconds");
        assert!(limiter.check(YOU, start, 1.0).is_ok(), "another client has its own bucket");
        assert!(limiter.check(ME, start + Duration::from_millis(500), 1.0).is_ok());
        assert!(limiter.check(ME, start + Duration::from_millis(500), 1.0).is_err());
    }

    #[test]
    fn a_costly_request_takes_its_cost() {
        let limiter = RateLimiter::new(1000.0, 4000.0);
        let start = Instant::now();
        assert!(limiter.check(ME, start, 3000.0).is_ok());
        assert_eq!(limiter.check(ME, start, 3000.0).unwrap_err(), Duration::from_secs(2));
        assert!(limiter.check(ME, start + Duration::from_secs(2), 3000.0).is_ok());
    }
}
