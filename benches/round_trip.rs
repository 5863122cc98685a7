//! Round trip, one record at a time: kafka-live's path beside raw librdkafka on the same broker.
//!
//!   measured: the produce server function over HTTP (as the page calls it) → the same
//!             record's frame received by a WebSocket client
//!   baseline: raw rdkafka produce → consume, a producer and an assigned consumer in one process
//!
//! `cargo bench --features ssr --bench round_trip`; KAFKA_BOOTSTRAP_SERVERS picks the broker
//! (default: Apache Kafka from scripts/kafka, 127.0.0.1:19092), BENCH_RECORDS the count.
//! Prints one line per figure, each with its target and ` ok` or ` MISS`.

mod support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use kafka_live::server::runtime::startup::Services;
use kafka_live::wire::frame::ServerFrame;
use kafka_live::wire::record::Payload;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};
use support::{knob, ms, verdict};
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn settings(bootstrap: &str, topic: &str) -> kafka_live::server::config::settings::KafkaSettings {
    support::settings(bootstrap, topic, 1)
}

struct Summary {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn summarise(mut samples: Vec<Duration>) -> Summary {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Summary { p50: at(0.50), p99: at(0.99), max: *samples.last().unwrap() }
}

async fn kafka_live_path(bootstrap: &str, records: usize) -> Vec<Duration> {
    let topic = support::unique("round-trip-app");
    let settings = settings(bootstrap, &topic);
    // The produce rate limits are for people at a page; the benchmark is not one.
    let web = kafka_live::server::config::web::WebSettings {
        produce_rate: None,
        produce_bytes_per_second: 0,
        ..Default::default()
    };
    let services = Services::connect(&settings, &web).await.expect("services");
    let options = leptos::config::LeptosOptions::builder().output_name("kafka-live").build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = services.router(options, addr);
    let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/api/produce");
    let mut samples = Vec::with_capacity(records);
    // Warm-up records are not counted: connections, metadata, the feed's assignment.
    for i in 0..records + 20 {
        let value = format!("bench-{i}");
        let started = Instant::now();
        let response = http
            .post(&url)
            .header("Accept", "application/json")
            .form(&[("text", value.as_str())])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        loop {
            let frame =
                tokio::time::timeout(Duration::from_secs(30), socket.next()).await.unwrap().unwrap().unwrap();
            if let WsMessage::Text(text) = frame
                && let Ok(ServerFrame::Record(record)) = serde_json::from_str(&text)
                && record.value == Some(Payload::Text(value.clone()))
            {
                break;
            }
        }
        if i >= 20 {
            samples.push(started.elapsed());
        }
    }
    services.stop().await;
    samples
}

async fn raw_rdkafka(bootstrap: &str, records: usize, fetch_wait_max_ms: u32) -> Vec<Duration> {
    let topic = support::unique("round-trip-raw");
    support::create_topic(bootstrap, &topic, 1).await;
    let producer: FutureProducer = support::producer_config(bootstrap).create().unwrap();
    let consumer: StreamConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "bench-raw")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", fetch_wait_max_ms.to_string())
        .set("socket.nagle.disable", "true")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(&topic, 0, Offset::End).unwrap();
    consumer.assign(&assignment).unwrap();
    let mut samples = Vec::with_capacity(records);
    for i in 0..records + 20 {
        let value = format!("raw-{i}");
        let started = Instant::now();
        producer
            .send(FutureRecord::<(), str>::to(&topic).payload(&value), Duration::from_secs(10))
            .await
            .unwrap();
        loop {
            let message =
                tokio::time::timeout(Duration::from_secs(30), consumer.recv()).await.unwrap().unwrap();
            if message.payload() == Some(value.as_bytes()) {
                break;
            }
        }
        if i >= 20 {
            samples.push(started.elapsed());
        }
    }
    samples
}

/// One figure against its target (the baseline plus an allowance), ending in ` ok` or ` MISS`.
fn target_line(name: &str, measured: Duration, baseline: Duration, allowance: Duration) {
    let target = baseline + allowance;
    let ratio = measured.as_secs_f64() / baseline.as_secs_f64();
    verdict(
        &format!("round-trip {name} {} (ratio {ratio:.2}x baseline), target <= {}", ms(measured), ms(target)),
        measured <= target,
    );
}

#[tokio::main]
async fn main() {
    let bootstrap = support::bootstrap();
    let records = knob("BENCH_RECORDS", 1000) as usize;
    let fetch_wait = settings(&bootstrap, "x").fetch_wait_max_ms;

    let baseline = summarise(raw_rdkafka(&bootstrap, records, fetch_wait).await);
    let app = summarise(kafka_live_path(&bootstrap, records).await);

    println!("round trip on {bootstrap}, {records} records one at a time (fetch.wait.max.ms={fetch_wait})");
    println!(
        "baseline raw rdkafka produce->consume: p50 {} p99 {} max {}",
        ms(baseline.p50),
        ms(baseline.p99),
        ms(baseline.max)
    );
    println!(
        "kafka-live server fn->WebSocket:       p50 {} p99 {} max {}",
        ms(app.p50),
        ms(app.p99),
        ms(app.max)
    );
    target_line("p50", app.p50, baseline.p50, Duration::from_millis(1));
    target_line("p99", app.p99, baseline.p99, Duration::from_millis(5));
}
