//! The console consumer binary against a real broker: it prints the original walkthrough's
//! line for a record the test produced, leaves cleanly on SIGTERM and Ctrl-C, and a restart
//! resumes after the last record it printed.

use std::process::Stdio;
use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{bootstrap, consumer_command, unique};

#[tokio::test]
async fn prints_each_record_then_leaves_the_group_on_sigterm() {
    let topic = unique("console");
    let group = unique("group");
    let value = unique("pizza");

    let producer: FutureProducer = kafka_live_testkit::outside::producer(&bootstrap());
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

/// Starts the consumer in `group` and returns it with its printed lines.
fn start_consumer(
    topic: &str,
    group: &str,
) -> (tokio::process::Child, tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) {
    let mut child = consumer_command()
        .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap())
        .env("KAFKA_TOPIC", topic)
        .env("KAFKA_CONSUMER_GROUP", group)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

/// Reads printed lines until each of `values` was printed; returns every value line seen.
async fn printed_values(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    values: &[String],
) -> Vec<String> {
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(90), async {
        while !values.iter().all(|value| seen.contains(value)) {
            let line = lines.next_line().await.unwrap().expect("the consumer keeps running");
            if let Some((_, value)) = line.split_once(": value = ") {
                seen.push(value.to_owned());
            }
        }
    })
    .await
    .expect("the consumer prints the records within 90 s");
    seen
}

/// One key for all: one partition, so "in order" is Kafka's promise, not luck.
async fn produce_values(topic: &str, values: &[String]) {
    let producer: FutureProducer = kafka_live_testkit::outside::producer(&bootstrap());
    for value in values {
        producer
            .send(FutureRecord::to(topic).key("one-partition").payload(value), Duration::from_secs(10))
            .await
            .expect("produced");
    }
}

#[tokio::test]
async fn after_sigterm_or_ctrl_c_a_restarted_consumer_resumes_without_reprinting() {
    let topic = unique("console-resume");
    let group = unique("group");
    let batch = |label: &str| (0..5).map(|i| format!("{label}-{i}")).collect::<Vec<_>>();
    let (first, second, third) = (batch("first"), batch("second"), batch("third"));

    // Stopped with SIGTERM, then with Ctrl-C (SIGINT): both commit what was printed.
    let mut previous = Vec::new();
    for (values, signal) in [(&first, libc::SIGTERM), (&second, libc::SIGINT)] {
        produce_values(&topic, values).await;
        let (mut child, mut lines) = start_consumer(&topic, &group);
        let printed = printed_values(&mut lines, values).await;
        for value in &previous {
            assert!(!printed.contains(value), "{value} was printed again after a restart");
        }
        assert_eq!(&printed, values, "each record once, in order");
        // SAFETY: kill(2) on the child this test spawned.
        unsafe { libc::kill(child.id().unwrap() as i32, signal) };
        let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.unwrap().unwrap();
        assert!(status.success(), "exit status {status}");
        previous.extend(values.iter().cloned());
    }

    produce_values(&topic, &third).await;
    let (mut child, mut lines) = start_consumer(&topic, &group);
    let printed = printed_values(&mut lines, &third).await;
    assert_eq!(printed, third, "only what came after the last stop");
    child.kill().await.ok();
}

#[tokio::test]
async fn a_record_cannot_drive_the_terminal_it_is_printed_on() {
    let topic = unique("console-escapes");
    let group = unique("group");
    // Escape sequences that would colour, set the window title, clear the screen, and a newline
    // that would forge a line of the consumer's own; then a plain record after it.
    let hostile =
        "red\u{1b}[31m\u{1b}]0;owned\u{7}\u{1b}[2J\nConsumed event from topic \"x\": value = forged";
    let plain = unique("plain");
    // One key, so both land on one partition and Kafka promises their order.
    produce_values(&topic, &[hostile.to_owned(), plain.clone()]).await;
    let escaped = format!(
        "Consumed event from topic \"{topic}\": value = red\\u{{1b}}[31m\\u{{1b}}]0;owned\\u{{7}}\\u{{1b}}[2J\\nConsumed event from topic \"x\": value = forged"
    );
    let plain_line = format!("Consumed event from topic \"{topic}\": value = {plain}");
    let (mut child, mut lines) = start_consumer(&topic, &group);
    // Read until both lines were printed, so a record skipped or printed out of order shows as
    // the lines that were printed, not as a timeout.
    let mut printed = Vec::new();
    let waited = tokio::time::timeout(Duration::from_secs(90), async {
        while !(printed.contains(&escaped) && printed.contains(&plain_line)) {
            match lines.next_line().await.unwrap() {
                Some(line) => printed.push(line),
                None => break,
            }
        }
    })
    .await;
    assert!(waited.is_ok(), "both records printed within 90 s; printed: {printed:?}");
    assert_eq!(printed, ["Consumer Starting".to_owned(), escaped, plain_line]);
    let _ = child.kill().await;
}
