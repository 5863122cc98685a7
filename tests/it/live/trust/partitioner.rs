//! Keys land where Java clients put them. librdkafka's default partitioner (`consistent_random`,
//! CRC32) sends a key to another partition than Java's `KafkaProducer` (murmur2) does; kafka-live
//! uses `murmur2_random`, so a key typed into the page lands beside the same key from the user's
//! own services. Checked against Apache Kafka's own console producer.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use kafka_live::wire::receipt::Receipt;
use kafka_live::wire::record::Payload;

use super::feed_client::{Account, connect, read_until};
use crate::common::{bootstrap, create_topic, settings_with, spawn_app_with, unique};

const KEYS: [&str; 10] = ["order-1", "alice", "bob", "carol", "dave", "eve", "order-2", "order-3", "k", "42"];

#[tokio::test]
async fn a_key_lands_on_the_partition_a_java_client_chooses() {
    // nisshi 0.6 never answers Kafka 4.4's Java producer: each record expires after
    // delivery.timeout.ms (120 s) with "The request has not been sent, or no server
    // response has been received yet", and the console producer still exits 0.
    if crate::common::skipped_on_nisshi("it does not answer Kafka's Java producer") {
        return;
    }
    let classpath = std::env::var("KAFKA_TOOLS_CLASSPATH")
        .expect("the Java client needs Kafka's tools: run scripts/test, or set KAFKA_TOOLS_CLASSPATH=\"$(scripts/kafka classpath)\"");
    let topic = unique("keys");
    create_topic(&settings_with(&topic, "6", "0")).await;

    let mut java = Command::new("java")
        .args([
            "-cp",
            &classpath,
            "org.apache.kafka.tools.ConsoleProducer",
            "--bootstrap-server",
            &bootstrap(),
        ])
        .args([
            "--topic",
            &topic,
            "--reader-property",
            "parse.key=true",
            "--reader-property",
            "key.separator=:",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("java runs");
    let lines: String = KEYS.iter().map(|key| format!("{key}:from java\n")).collect();
    java.stdin.take().unwrap().write_all(lines.as_bytes()).unwrap();
    let output = java.wait_with_output().unwrap();
    // A record it could not send is logged, and it exits 0 all the same.
    let said =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && !said.contains("Error when sending"), "{said}");

    let app = spawn_app_with(settings_with(&unique("home"), "1", "0")).await;
    let mut page = connect(app.addr, &format!("?topic={topic}&from=earliest")).await;
    let mut account = Account::default();
    read_until(&mut page, &mut account, |a| a.records.len() == KEYS.len()).await;
    let java_chose: BTreeMap<String, i32> = account
        .records
        .iter()
        .map(|r| match &r.key {
            Some(Payload::Text(key)) => (key.clone(), r.partition),
            other => panic!("a key was lost: {other:?}"),
        })
        .collect();

    let mut kafka_live_chose = BTreeMap::new();
    for key in KEYS {
        let response = reqwest::Client::new()
            .post(format!("http://{}/api/produce", app.addr))
            .header("Accept", "application/json")
            .form(&[("text", "from kafka-live"), ("key", key), ("topic", &topic)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let receipt: Receipt = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        kafka_live_chose.insert(key.to_owned(), receipt.records[0].partition);
    }
    assert_eq!(kafka_live_chose, java_chose);
}
