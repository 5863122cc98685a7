//! The console consumer binary against a real broker: it prints the original walkthrough's
//! line for a record the test produced, and leaves cleanly on SIGTERM.

mod common;

use std::process::Stdio;
use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::io::{AsyncBufReadExt, BufReader};

use common::{bootstrap, consumer_command, unique};

#[tokio::test]
async fn prints_each_record_then_leaves_the_group_on_sigterm() {
    let topic = unique("console");
    let group = unique("group");
    let value = unique("pizza");

    let producer: FutureProducer =
        rdkafka::ClientConfig::new().set("bootstrap.servers", bootstrap()).create().unwrap();
    producer
        .send(FutureRecord::<(), str>::to(&topic).payload(&value), Duration::from_secs(10))
        .await
        .expect("the test record is produced");

    let mut child = consumer_command()
        .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap())
        .env("KAFKA_TOPIC", &topic)
        .env("KAFKA_CONSUMER_GROUP", &group)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();

    let expected = format!("Consumed event from topic \"{topic}\": value = {value}");
    // A group join can take ~25 s on some brokers; the whole wait is bounded.
    let printed = tokio::time::timeout(Duration::from_secs(90), async {
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            let done = line == expected;
            seen.push(line);
            if done {
                break;
            }
        }
        seen
    })
    .await
    .expect("the consumer prints the record within 90 s");
    assert_eq!(printed.first().map(String::as_str), Some("Consumer Starting"));
    assert_eq!(printed.last(), Some(&expected));

    let pid = child.id().unwrap() as i32;
    // SAFETY: kill(2) on the child this test spawned.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the consumer exits within 30 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "exit status {status}");
}
