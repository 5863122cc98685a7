//! The broker comes and goes; kafka-live keeps Kafka's promise to the screen.
//!
//!   - started while the broker is down, it recovers when the broker comes up, without a
//!     restart: producing works and the feed flows;
//!   - the broker restarts in the middle of a numbered stream: every record acknowledged to
//!     the producer reaches the page exactly once, in order within its partition.
//!
//! Each test runs its own broker on free ports, so stopping it disturbs nothing else: nisshi
//! (the embedded default, sqlite storage that survives a restart), or with
//! `BROKER_FAULTS_BROKER=kafka` an Apache Kafka of its own through `scripts/kafka` (KRaft,
//! data in the test's directory).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kafka_live::server::config::settings::{KafkaSettings, kafka_from_toml};
use kafka_live::wire::frame::{BrokerStatus, ServerFrame};
use kafka_live::wire::record::{FeedRecord, Payload};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{Socket, TestApp, produce, spawn_app_with, unique};

/// A broker of this test's own, on `port`, keeping its data in `dir`.
enum Broker {
    Nisshi(tokio::process::Child),
    Kafka(Vec<(String, String)>),
}

impl Broker {
    async fn start(port: u16, dir: &Path) -> Self {
        match std::env::var("BROKER_FAULTS_BROKER").as_deref() {
            Ok("kafka") => Self::start_kafka(port, dir).await,
            _ => Self::start_nisshi(port, dir).await,
        }
    }

    async fn start_kafka(port: u16, dir: &Path) -> Self {
        // A restart comes back on the same ports (the controller's is in its metadata).
        let ports = dir.join("kafka-ports");
        let (sasl, controller) = match std::fs::read_to_string(&ports) {
            Ok(text) => {
                let (a, b) = text.split_once(' ').unwrap();
                (a.parse::<u16>().unwrap(), b.parse::<u16>().unwrap())
            }
            Err(_) => {
                let chosen = (free_port(), free_port());
                std::fs::write(&ports, format!("{} {}", chosen.0, chosen.1)).unwrap();
                chosen
            }
        };
        let env = vec![
            ("KAFKA_RUN".to_owned(), dir.join("kafka").display().to_string()),
            ("KAFKA_PLAINTEXT_PORT".to_owned(), port.to_string()),
            ("KAFKA_SASL_SSL_PORT".to_owned(), sasl.to_string()),
            ("KAFKA_CONTROLLER_PORT".to_owned(), controller.to_string()),
        ];
        Self::kafka_script("start", &env).await;
        Self::Kafka(env)
    }

    async fn kafka_script(command: &str, env: &[(String, String)]) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kafka");
        let status = tokio::process::Command::new(script)
            .arg(command)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .status()
            .await
            .unwrap();
        assert!(status.success(), "scripts/kafka {command}");
    }

    async fn start_nisshi(port: u16, dir: &Path) -> Self {
        let nisshi = std::env::var("KAFKA_LIVE_NISSHI").unwrap_or_else(|_| "nisshi".into());
        let url = format!("tcp://127.0.0.1:{port}");
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let child = tokio::process::Command::new(nisshi)
            .current_dir(dir)
            .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "sqlite://data/broker.db", "--cluster-id", "broker-faults"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("nisshi starts (scripts/test installs it and sets KAFKA_LIVE_NISSHI)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(Instant::now() < deadline, "nisshi listens within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self::Nisshi(child)
    }

    /// SIGTERM, as an operator stops it, and waits for it to go.
    async fn stop(self) {
        match self {
            Self::Nisshi(mut child) => {
                // SAFETY: kill(2) on the child this test spawned.
                unsafe { libc::kill(child.id().unwrap() as i32, libc::SIGTERM) };
                tokio::time::timeout(Duration::from_secs(20), child.wait()).await.unwrap().unwrap();
            }
            Self::Kafka(env) => Self::kafka_script("stop", &env).await,
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn settings(port: u16, topic: &str, partitions: &str) -> KafkaSettings {
    let bootstrap = format!("127.0.0.1:{port}");
    let env = BTreeMap::from([
        ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.as_str()),
        ("KAFKA_TOPIC", topic),
        ("KAFKA_PARTITIONS", partitions),
        ("KAFKA_PRODUCE_TIMEOUT_MS", "3000"),
    ]);
    kafka_from_toml("", Path::new("t.toml"), Path::new("."), &env).unwrap()
}

async fn open_feed(app: &TestApp) -> Socket {
    tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap().0
}

/// The next record frame, skipping status frames; `None` after `wait` without one.
async fn next_record(socket: &mut Socket, wait: Duration) -> Option<FeedRecord> {
    tokio::time::timeout(wait, async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message
                && let Ok(ServerFrame::Record(record)) = serde_json::from_str(&text)
            {
                return Some(record);
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

#[tokio::test]
async fn a_server_started_before_its_broker_recovers_when_the_broker_comes_up() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_with(settings(port, &unique("late-broker"), "1")).await;
    let mut socket = open_feed(&app).await;

    assert!(!produce(&app, "before the broker").await.status().is_success());

    let broker = Broker::start(port, dir.path()).await;
    // The same server, not restarted: producing works once the client has reconnected...
    let text = unique("after the broker came up");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !produce(&app, &text).await.status().is_success() {
        assert!(Instant::now() < deadline, "producing recovers within 60 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // ...the page hears the broker is reachable, and the feed flows.
    let mut reachable = false;
    let arrived = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(Ok(Message::Text(frame))) = socket.next().await {
            match serde_json::from_str(&frame) {
                Ok(ServerFrame::Broker(BrokerStatus::Reachable)) => reachable = true,
                Ok(ServerFrame::Record(record)) if record.value == Some(Payload::Text(text.clone())) => {
                    return;
                }
                _ => {}
            }
        }
    })
    .await;
    assert!(arrived.is_ok(), "the record reaches the page");
    assert!(reachable, "the page is told the broker is reachable again");
    broker.stop().await;
}

#[tokio::test]
async fn every_acknowledged_record_reaches_the_page_once_and_in_order_across_a_broker_restart() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let broker = Broker::start(port, dir.path()).await;
    let topic = unique("restart");
    let app = spawn_app_with(settings(port, &topic, "3")).await;
    let mut socket = open_feed(&app).await;

    // The outside producer Kafka's contract is about: acks=all, idempotent, patient.
    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", format!("127.0.0.1:{port}"))
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("message.timeout.ms", "60000")
        .create()
        .unwrap();
    let stream = tokio::spawn({
        let topic = topic.clone();
        async move {
            let mut acknowledged = Vec::new();
            let mut failed = 0;
            for i in 0..300 {
                let value = format!("seq-{i:04}");
                let key = format!("key-{}", i % 7);
                match producer
                    .send(FutureRecord::to(&topic).key(&key).payload(&value), Duration::from_secs(60))
                    .await
                {
                    Ok(delivery) => acknowledged.push((delivery.partition, delivery.offset, value)),
                    Err(_) => failed += 1,
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (acknowledged, failed)
        }
    });

    // Mid-stream: the broker goes away for two seconds and comes back with its data.
    tokio::time::sleep(Duration::from_secs(2)).await;
    broker.stop().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let broker = Broker::start(port, dir.path()).await;
    let (acknowledged, failed) = stream.await.unwrap();
    assert!(acknowledged.len() >= 250, "most of the stream is acknowledged ({failed} failed)");

    let expected: HashSet<&str> = acknowledged.iter().map(|(_, _, value)| value.as_str()).collect();
    let mut seen: Vec<FeedRecord> = Vec::new();
    let mut found = 0;
    while found < expected.len() {
        let Some(record) = next_record(&mut socket, Duration::from_secs(60)).await else { break };
        if let Some(Payload::Text(value)) = &record.value
            && expected.contains(value.as_str())
        {
            found += 1;
        }
        seen.push(record);
    }
    let values: Vec<&str> = seen
        .iter()
        .filter_map(|r| match &r.value {
            Some(Payload::Text(value)) => Some(value.as_str()),
            _ => None,
        })
        .collect();
    for value in &expected {
        let times = values.iter().filter(|v| *v == value).count();
        assert_eq!(times, 1, "{value} reached the page {times} times");
    }
    for partition in 0..3 {
        let offsets: Vec<i64> = seen.iter().filter(|r| r.partition == partition).map(|r| r.offset).collect();
        assert!(offsets.windows(2).all(|w| w[0] < w[1]), "partition {partition} in order: {offsets:?}");
    }
    // The page saw each record where the producer was told it is. A batch the producer retried
    // across the restart that the broker already had is acknowledged as a duplicate, and then
    // librdkafka cannot say at which offset (it reports -1): only the partition is known.
    for (partition, offset, value) in &acknowledged {
        let record = seen.iter().find(|r| r.value == Some(Payload::Text(value.clone()))).unwrap();
        assert_eq!(record.partition, *partition, "{value}");
        if *offset >= 0 {
            assert_eq!(record.offset, *offset, "{value}");
        }
    }
    broker.stop().await;
}
