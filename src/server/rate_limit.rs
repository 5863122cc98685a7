//! A token bucket per client address: `burst` requests at once, then `per_second` steadily.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::web_settings::ProduceRate;

/// Beyond this many tracked clients, buckets that have refilled are forgotten.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    rate: ProduceRate,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(rate: ProduceRate) -> Self {
        Self { rate, buckets: Mutex::new(HashMap::new()) }
    }

    pub fn rate(&self) -> ProduceRate {
        self.rate
    }

    /// `Ok` takes one request's token; `Err` says how long until the next one.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let burst = f64::from(self.rate.burst);
        let per_second = f64::from(self.rate.per_second);
        let mut buckets = self.buckets.lock().expect("rate limiter lock poisoned");
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, bucket| refill(*bucket, now, per_second, burst) < burst);
        }
        let bucket = buckets.entry(client).or_insert(Bucket { tokens: burst, updated: now });
        bucket.tokens = refill(*bucket, now, per_second, burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

fn refill(bucket: Bucket, now: Instant, per_second: f64, burst: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * per_second).min(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const YOU: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn a_burst_then_the_steady_rate_per_client() {
        let limiter = RateLimiter::new(ProduceRate { per_second: 2, burst: 3 });
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(ME, start).is_ok());
        }
        let wait = limiter.check(ME, start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500), "one token comes back every 1/rate seconds");
        assert!(limiter.check(YOU, start).is_ok(), "another client has its own bucket");
        assert!(limiter.check(ME, start + Duration::from_millis(500)).is_ok());
        assert!(limiter.check(ME, start + Duration::from_millis(500)).is_err());
    }
}
