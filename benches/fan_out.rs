//! Fan-out: one producer outside the server writes R records/s while K WebSocket clients read,
//! each checking that it sees every offset exactly once, in order.
//!
//!   target: ≥ 1,000,000 record-deliveries/s in total with zero loss
//!   also reported: the rate the broker sustained, the server's CPU and peak RSS
//!
//! `cargo bench --features ssr --bench fan_out`; BENCH_RATE (12000: 20 % over the 10,000 × 100
//! the target names, so the figure shows capacity, not the offered rate), BENCH_CLIENTS (100),
//! BENCH_SECONDS (10) scale it; KAFKA_BOOTSTRAP_SERVERS picks the broker.

mod support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use kafka_live_testkit::outside::{Paced, produce_paced};
use kafka_live_testkit::tally::Tally;
use rdkafka::producer::{FutureProducer, FutureRecord};
use support::{Server, knob, mib, verdict};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

const TARGET_DELIVERIES_PER_SECOND: f64 = 1_000_000.0;
/// The first record of the bench's fresh one-partition topic.
const WARM_UP_OFFSET: i64 = 0;

/// What one client saw, and when it saw its last record.
#[derive(Debug)]
struct Seen {
    tally: Tally,
    last_at: Option<Instant>,
}

/// Reads until it has `expected` records (known once producing ends) or the socket stalls.
async fn client(url: String, mut expected: watch::Receiver<Option<u64>>) -> Seen {
    // tungstenite zero-fills its whole read buffer (128 KiB by default) on every read; the
    // load generator shares the server's two cores, so it reads in smaller steps.
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .expect("the socket opens");
    // Offset 0 is the warm-up record; a socket that opened before the feed passed it on sees
    // it, one that opened after does not. It is not part of the measured stream.
    let mut seen = Seen { tally: Tally::after(WARM_UP_OFFSET), last_at: None };
    loop {
        if let Some(total) = *expected.borrow()
            && seen.tally.records + seen.tally.missed >= total
        {
            return seen;
        }
        let frame = tokio::select! {
            frame = tokio::time::timeout(Duration::from_secs(20), socket.next()) => frame,
            _ = expected.changed() => continue,
        };
        let Ok(Some(Ok(Message::Text(text)))) = frame else {
            match frame {
                Ok(Some(Ok(_))) => continue,
                _ => return seen,
            }
        };
        let records = seen.tally.records;
        seen.tally.count(text.as_str());
        if seen.tally.records > records {
            seen.last_at = Some(Instant::now());
        }
    }
}

#[tokio::main]
async fn main() {
    let bootstrap = support::bootstrap();
    let rate = knob("BENCH_RATE", 12_000);
    let clients = knob("BENCH_CLIENTS", 100);
    support::raise_open_file_limit(4 * clients + 1024);
    let seconds = knob("BENCH_SECONDS", 10);

    // One partition: offsets are then one global sequence every client can check.
    let topic = support::unique("fan-out");
    support::create_topic(&bootstrap, &topic, 1).await;
    let server = Server::start(&[
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
        ("KAFKA_TOPIC", &topic),
        ("KAFKA_PARTITIONS", "1"),
        ("KAFKA_BACKLOG", "0"),
    ])
    .await;

    let producer: FutureProducer = support::producer_config(&bootstrap)
        .set("linger.ms", "2")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("the bench producer");
    // Before any client listens: the producer's first record waits for its idempotence id and
    // metadata, and the records queued meanwhile would reach the server as one burst larger
    // than a socket's queue. A live stream is steady; the warm-up record makes this one steady.
    producer
        .send(FutureRecord::<(), str>::to(&topic).payload("warm-up"), Duration::from_secs(10))
        .await
        .expect("the warm-up record is acknowledged");

    let (total_tx, total_rx) = watch::channel(None);
    let url = format!("ws://{}/ws", server.addr);
    let readers: Vec<_> = (0..clients).map(|_| tokio::spawn(client(url.clone(), total_rx.clone()))).collect();
    // Every socket subscribed before the first record, so each must see all of them.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let cpu_before = server.cpu_time();
    let started = Instant::now();
    let outcome = produce_paced(&producer, &topic, None, "fan-out", Paced { rate, seconds })
        .await
        .expect("the bench producer runs");
    let (sent, acked, produced_in) = (outcome.sent, outcome.acknowledged, outcome.elapsed);
    total_tx.send(Some(acked)).unwrap();

    let mut seen = Vec::new();
    for reader in readers {
        seen.push(reader.await.unwrap());
    }
    let cpu = server.cpu_time() - cpu_before;
    let (_, peak_rss) = server.memory();
    let last = seen.iter().filter_map(|s| s.last_at).max().unwrap_or(started);
    let window = last.duration_since(started).as_secs_f64();
    let delivered: u64 = seen.iter().map(|s| s.tally.records).sum();
    let lost: u64 = seen.iter().map(|s| acked.saturating_sub(s.tally.records)).sum();
    let missed: u64 = seen.iter().map(|s| s.tally.missed).sum();
    let gaps: u64 = seen.iter().map(|s| s.tally.gaps).sum();
    let duplicates: u64 = seen.iter().map(|s| s.tally.repeated).sum();
    let per_second = delivered as f64 / window;
    server.stop().await;

    println!(
        "fan-out on {bootstrap}: {clients} clients, {rate} records/s offered for {seconds} s, 1 partition"
    );
    println!(
        "fan-out broker: {acked} of {sent} records acknowledged in {:.1} s, {:.0} records/s sustained (no target)",
        produced_in.as_secs_f64(),
        acked as f64 / produced_in.as_secs_f64()
    );
    verdict(
        &format!(
            "fan-out deliveries: {per_second:.0}/s ({delivered} in {window:.1} s), target >= {TARGET_DELIVERIES_PER_SECOND:.0}/s"
        ),
        per_second >= TARGET_DELIVERIES_PER_SECOND,
    );
    verdict(
        &format!(
            "fan-out loss: {lost} records not seen ({missed} reported missed, {gaps} in gaps, {duplicates} duplicates), target 0"
        ),
        lost == 0 && gaps == 0 && duplicates == 0,
    );
    println!(
        "fan-out server: CPU {:.0}% of one core over {window:.1} s, peak RSS {} (no target)",
        cpu.as_secs_f64() / window * 100.0,
        mib(peak_rss)
    );
}
