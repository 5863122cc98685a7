//! Produce throughput: requests/s of the produce server function under concurrent load,
//! beside two baselines built here in the harness, on the same broker in the same run:
//!
//!   the limit:        raw rdkafka, one shared producer, the same concurrency
//!   the original way: a new producer, one send and a flush per message (what the Blazor
//!                     walkthrough kafka-live began as did on every Submit)
//!
//!   targets (the issue sets none; these are this project's): kafka-live ≥ 0.5× the shared
//!   producer, and ≥ 1× the producer-per-message way
//!
//! `cargo bench --features ssr --bench produce_throughput`; BENCH_CONCURRENCY (32),
//! BENCH_SECONDS (10); KAFKA_BOOTSTRAP_SERVERS picks the broker.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::producer::{BaseProducer, BaseRecord, FutureProducer, FutureRecord, Producer};
use support::{Server, knob, verdict};

const TARGET_VS_SHARED: f64 = 0.5;
const TARGET_VS_PER_MESSAGE: f64 = 1.0;

/// Acknowledged records (or answered requests) per second, and failures.
struct Rate {
    per_second: f64,
    failed: u64,
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.0}/s ({} failed)", self.per_second, self.failed)
    }
}

/// Runs `concurrency` copies of `one` back to back for `seconds`.
async fn measure<F, Fut>(concurrency: u64, seconds: u64, one: F) -> Rate
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let one = Arc::new(one);
    let (done, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (one, done, failed) = (Arc::clone(&one), Arc::clone(&done), Arc::clone(&failed));
            tokio::spawn(async move {
                let mut i = worker << 32;
                while Instant::now() < until {
                    let counter = if one(i).await { &done } else { &failed };
                    counter.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    Rate {
        per_second: done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64(),
        failed: failed.load(Ordering::Relaxed),
    }
}

async fn shared_producer(bootstrap: &str, topic: &str, concurrency: u64, seconds: u64) -> Rate {
    let producer: FutureProducer = support::producer_config(bootstrap).create().unwrap();
    let topic = topic.to_owned();
    measure(concurrency, seconds, move |i| {
        let (producer, topic) = (producer.clone(), topic.clone());
        async move {
            let value = format!("shared {i}");
            producer
                .send(FutureRecord::<(), str>::to(&topic).payload(&value), Duration::from_secs(10))
                .await
                .is_ok()
        }
    })
    .await
}

/// Blocking threads: creating, flushing and destroying a librdkafka client all block.
fn producer_per_message(bootstrap: &str, topic: &str, concurrency: u64, seconds: u64) -> Rate {
    let (done, failed) = (AtomicU64::new(0), AtomicU64::new(0));
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for worker in 0..concurrency {
            let (done, failed, stop) = (&done, &failed, &stop);
            scope.spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let value = format!("per-message {worker} {i}");
                    let producer: BaseProducer = support::producer_config(bootstrap).create().unwrap();
                    let sent = producer.send(BaseRecord::<(), str>::to(topic).payload(&value)).is_ok()
                        && producer.flush(Duration::from_secs(10)).is_ok()
                        && producer.in_flight_count() == 0;
                    (if sent { done } else { failed }).fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            });
        }
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    Rate {
        per_second: done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64(),
        failed: failed.load(Ordering::Relaxed),
    }
}

async fn kafka_live(bootstrap: &str, topic: &str, concurrency: u64, seconds: u64) -> Rate {
    // The per-client produce rate limit is for people at a page, not for a load generator.
    let server = Server::start(&[
        ("KAFKA_BOOTSTRAP_SERVERS", bootstrap),
        ("KAFKA_TOPIC", topic),
        ("KAFKA_LIVE_PRODUCE_PER_SECOND", "0"),
        ("KAFKA_LIVE_PRODUCE_BYTES_PER_SECOND", "0"),
    ])
    .await;
    let url = format!("http://{}/api/produce", server.addr);
    let http = reqwest::Client::new();
    let rate = measure(concurrency, seconds, move |i| {
        let request =
            http.post(&url).header("Accept", "application/json").form(&[("text", format!("kafka-live {i}"))]);
        async move { request.send().await.is_ok_and(|response| response.status().is_success()) }
    })
    .await;
    server.stop().await;
    rate
}

#[tokio::main]
async fn main() {
    let bootstrap = support::bootstrap();
    let concurrency = knob("BENCH_CONCURRENCY", 32);
    let seconds = knob("BENCH_SECONDS", 10);
    let topic = support::unique("produce");
    support::create_topic(&bootstrap, &topic, 3).await;

    let shared = shared_producer(&bootstrap, &topic, concurrency, seconds).await;
    let app = kafka_live(&bootstrap, &topic, concurrency, seconds).await;
    let per_message = {
        let (bootstrap, topic) = (bootstrap.clone(), topic.clone());
        tokio::task::spawn_blocking(move || producer_per_message(&bootstrap, &topic, concurrency, seconds))
            .await
            .unwrap()
    };

    println!("produce throughput on {bootstrap}: {concurrency} concurrent, {seconds} s each, acks=all");
    println!("produce baseline, one shared rdkafka producer: {shared}");
    println!("produce baseline, a producer + flush per message: {per_message}");
    println!("produce kafka-live server function over HTTP: {app}");
    let vs_shared = app.per_second / shared.per_second;
    let vs_per_message = app.per_second / per_message.per_second;
    verdict(
        &format!("produce kafka-live vs shared producer: {vs_shared:.2}x, target >= {TARGET_VS_SHARED:.2}x"),
        vs_shared >= TARGET_VS_SHARED && app.failed == 0,
    );
    verdict(
        &format!(
            "produce kafka-live vs producer per message: {vs_per_message:.2}x, target >= {TARGET_VS_PER_MESSAGE:.2}x"
        ),
        vs_per_message >= TARGET_VS_PER_MESSAGE && app.failed == 0,
    );
}
