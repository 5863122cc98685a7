//! 1,000 pages at once, for a minute, while records are produced through the page's own path
//! and by an outside producer: no socket errors, and every socket sees every record exactly
//! once, in order within its partition. Prints the figures the closing note reports.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kafka_live_testkit::outside::{Paced, produce_paced};
use kafka_live_testkit::tally::Tally;
use rdkafka::producer::FutureProducer;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::common::{ServerProcess, bootstrap, unique};

const SOCKETS: usize = 1000;
const OUTSIDE_RATE: u64 = 200;

#[derive(Debug, Default)]
struct Seen {
    tally: Tally,
    error: Option<String>,
}

/// `ready` counts pages the server has subscribed: the first frame a page gets (the broker's
/// status) comes from its subscription.
async fn page(url: String, ready: Arc<AtomicUsize>, stop: Arc<AtomicBool>) -> Seen {
    let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
    let mut seen = Seen::default();
    let (mut socket, _) = match tokio_tungstenite::connect_async_with_config(url, Some(config), false).await {
        Ok(connected) => connected,
        Err(error) => {
            seen.error = Some(error.to_string());
            return seen;
        }
    };
    let mut subscribed = false;
    loop {
        let frame = match tokio::time::timeout(Duration::from_secs(2), socket.next()).await {
            Err(_) if stop.load(Ordering::Relaxed) => return seen,
            Err(_) => continue,
            Ok(frame) => frame,
        };
        match frame {
            Some(Ok(Message::Text(text))) if !subscribed => {
                subscribed = true;
                ready.fetch_add(1, Ordering::Relaxed);
                if let Ok(kafka_live::wire::frame::ServerFrame::Record(_)) = serde_json::from_str(&text) {
                    seen.error = Some("a record before the page was counted as ready".into());
                }
            }
            Some(Ok(Message::Text(text))) => seen.tally.count(&text),
            Some(Ok(_)) => {}
            Some(Err(error)) => {
                seen.error = Some(error.to_string());
                return seen;
            }
            None => {
                seen.error = Some("closed by the server".into());
                return seen;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_pages_for_a_minute_each_see_every_record() {
    crate::common::raise_open_file_limit(4 * SOCKETS as u64);
    let seconds: u64 = std::env::var("MANY_CLIENTS_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let topic = unique("many");
    let bootstrap = bootstrap();
    let server = ServerProcess::without_backlog(&topic).await;
    let url = format!("ws://{}/ws", server.addr);
    let stop = Arc::new(AtomicBool::new(false));
    let ready = Arc::new(AtomicUsize::new(0));
    let pages: Vec<_> = (0..SOCKETS)
        .map(|_| tokio::spawn(page(url.clone(), Arc::clone(&ready), Arc::clone(&stop))))
        .collect();
    // Every page subscribed before the first record (the server keeps no backlog here), however
    // long 1,000 handshakes take on a busy machine.
    let deadline = Instant::now() + Duration::from_secs(60);
    while ready.load(Ordering::Relaxed) < SOCKETS {
        assert!(Instant::now() < deadline, "{} of {SOCKETS} pages subscribed", ready.load(Ordering::Relaxed));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The page's path: one Submit every 200 ms over HTTP, on a thread of its own so the 1,000
    // readers in this process do not delay it and its latency is the server's.
    let started = Instant::now();
    let produce_url = format!("http://{}/api/produce", server.addr);
    let submits = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let http = reqwest::Client::new();
            let (mut latencies, mut failed) = (Vec::new(), 0u64);
            while started.elapsed() < Duration::from_secs(seconds) {
                let sent = Instant::now();
                let response = http
                    .post(&produce_url)
                    .header("Accept", "application/json")
                    .form(&[("text", "submit")])
                    .send()
                    .await;
                match response {
                    Ok(response) if response.status().is_success() => latencies.push(sent.elapsed()),
                    _ => failed += 1,
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            (latencies, failed)
        })
    });
    // ...and an outside producer, steadily.
    let producer: FutureProducer = kafka_live_testkit::outside::producer(&bootstrap);
    let outside = produce_paced(&producer, &topic, None, "outside", Paced { rate: OUTSIDE_RATE, seconds })
        .await
        .unwrap();
    let (mut latencies, failed_submits) = submits.join().unwrap();
    latencies.sort();
    let submitted = latencies.len() as u64;
    let p50 = latencies.get(latencies.len() / 2).copied().unwrap_or_default();
    let max = latencies.last().copied().unwrap_or_default();
    let total = outside.acknowledged + submitted;
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);

    let mut seen = Vec::new();
    for page in pages {
        seen.push(page.await.unwrap());
    }
    let peak_rss_kib = server.memory_kib("VmHWM:");
    server.stop().await;

    let errors: Vec<&String> = seen.iter().filter_map(|s| s.error.as_ref()).collect();
    let short: Vec<u64> = seen.iter().filter(|s| s.tally.records != total).map(|s| s.tally.records).collect();
    let delivered: u64 = seen.iter().map(|s| s.tally.records).sum();
    println!(
        "{SOCKETS} sockets for {seconds} s: {total} records acknowledged ({submitted} through the page's \
         produce, p50 {p50:?}, max {max:?}, {failed_submits} failed; {} from outside), {delivered} delivered, \
         server peak RSS {peak_rss_kib} KiB",
        outside.acknowledged
    );
    assert_eq!(failed_submits, 0, "every Submit was acknowledged");
    assert!(errors.is_empty(), "{} sockets failed, first: {}", errors.len(), errors[0]);
    assert_eq!(seen.iter().map(|s| s.tally.missed).sum::<u64>(), 0, "no socket was told it missed records");
    assert_eq!(seen.iter().map(|s| s.tally.repeated).sum::<u64>(), 0, "every partition in order");
    assert!(
        short.is_empty(),
        "{} sockets missed records (expected {total}): {:?}",
        short.len(),
        &short[..short.len().min(5)]
    );
}
