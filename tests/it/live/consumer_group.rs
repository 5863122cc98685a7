//! Console consumers in one group share the work: they split the partitions, and when one
//! stops, the other takes its partitions over from the committed offsets, so no record is
//! lost and no committed record is printed twice.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kafka_live::server::config::settings::kafka_from_toml;
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

use crate::common::{bootstrap, consumer_command, unique};

/// A running console consumer and everything it has printed or logged so far.
struct Member {
    child: Child,
    printed: Arc<Mutex<Vec<String>>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Member {
    fn start(topic: &str, group: &str) -> Self {
        let mut child = consumer_command()
            .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap())
            .env("KAFKA_TOPIC", topic)
            .env("KAFKA_CONSUMER_GROUP", group)
            .env("RUST_LOG", "kafka_live=info")
            .spawn()
            .unwrap();
        let printed = collect(child.stdout.take().unwrap());
        let log = collect(child.stderr.take().unwrap());
        Self { child, printed, log }
    }

    /// The partitions of its latest assignment, once it has one.
    fn assignment(&self) -> Option<BTreeSet<String>> {
        let log = self.log.lock().unwrap();
        let line = log
            .iter()
            .rev()
            .find(|l| l.contains("partitions assigned") || l.contains("partitions revoked"))?;
        if line.contains("revoked") {
            return None;
        }
        let list = line.split('[').nth(1)?.trim_end_matches(']');
        Some(list.split(", ").filter(|p| !p.is_empty()).map(str::to_owned).collect())
    }

    fn values(&self) -> Vec<String> {
        let printed = self.printed.lock().unwrap();
        printed.iter().filter_map(|line| line.split("value = ").nth(1).map(str::to_owned)).collect()
    }

    async fn stop(mut self) {
        let pid = self.child.id().unwrap() as i32;
        // SAFETY: kill(2) on the child this test spawned.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await.unwrap().unwrap();
        assert!(status.success(), "a stopped consumer exits 0, got {status}");
    }
}

fn collect(stream: impl tokio::io::AsyncRead + Unpin + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    tokio::spawn(async move {
        let mut reader = BufReader::new(stream).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

async fn eventually(what: &str, seconds: u64, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn produce_batch(topic: &str, label: &str, count: usize) -> Vec<String> {
    let producer: FutureProducer = kafka_live_testkit::outside::producer(&bootstrap());
    let mut values = Vec::new();
    for i in 0..count {
        let value = format!("{label}-{i}");
        // Keys spread the records over every partition.
        let key = format!("key-{i}");
        producer
            .send(FutureRecord::to(topic).key(&key).payload(&value), Duration::from_secs(10))
            .await
            .expect("produced");
        values.push(value);
    }
    values
}

#[tokio::test]
async fn two_members_split_the_partitions_and_a_stopped_members_share_moves_without_loss_or_reprint() {
    let topic = unique("group");
    let group = unique("kitchen");
    // The topic with three partitions, as the server would create it.
    let env = BTreeMap::from([("KAFKA_BOOTSTRAP_SERVERS", bootstrap()), ("KAFKA_TOPIC", topic.clone())]);
    let env: BTreeMap<&str, &str> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let settings =
        kafka_from_toml("", std::path::Path::new("t.toml"), std::path::Path::new("."), &env).unwrap();
    crate::common::create_topic(&settings).await;

    let first = Member::start(&topic, &group);
    let second = Member::start(&topic, &group);
    // Group joins can take ~25 s on some brokers.
    eventually("both members hold disjoint parts of all three partitions", 120, || {
        match (first.assignment(), second.assignment()) {
            (Some(a), Some(b)) => {
                !a.is_empty() && !b.is_empty() && a.is_disjoint(&b) && a.len() + b.len() == 3
            }
            _ => false,
        }
    })
    .await;

    let before = produce_batch(&topic, "before", 30).await;
    eventually("the first batch is printed", 60, || first.values().len() + second.values().len() >= 30).await;
    assert!(!first.values().is_empty() && !second.values().is_empty(), "both members printed records");

    let printed_by_first = first.values();
    first.stop().await;
    eventually("the survivor holds all three partitions", 120, || {
        second.assignment().is_some_and(|a| a.len() == 3)
    })
    .await;

    let after = produce_batch(&topic, "after", 30).await;
    eventually("the second batch is printed", 60, || {
        let values = second.values();
        after.iter().all(|v| values.contains(v))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut everything: Vec<String> = printed_by_first.clone();
    everything.extend(second.values());
    let mut expected: Vec<String> = before.iter().chain(after.iter()).cloned().collect();
    expected.sort();
    everything.sort();
    assert_eq!(everything, expected, "every record printed exactly once across the group");
    second.stop().await;
}
