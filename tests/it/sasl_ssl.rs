//! Confluent Cloud's scheme, SASL_SSL + PLAIN, against the real Apache Kafka of
//! `scripts/kafka`, configured exactly as a Confluent Cloud user would be: through a
//! `client.properties` file. `scripts/test` runs these with `--ignored` once that broker runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use kafka_live::server::config::settings::{KafkaSettings, kafka_from_toml};
use kafka_live::wire::receipt::Receipt;
use tokio::io::AsyncReadExt;

use crate::common::{ServerProcess, consumer_command, next_record, produce, spawn_app_with, unique};

const NEEDS: &str =
    "needs the SASL_SSL listener of scripts/kafka (KAFKA_SASL_SSL_BOOTSTRAP, KAFKA_SASL_SSL_CA)";

fn listener() -> (String, String) {
    let bootstrap = std::env::var("KAFKA_SASL_SSL_BOOTSTRAP").expect(NEEDS);
    let ca = std::env::var("KAFKA_SASL_SSL_CA").expect(NEEDS);
    (bootstrap, ca)
}

/// A client.properties file as Confluent Cloud hands it out, plus the CA of the test broker.
fn client_properties(password: &str) -> tempfile::NamedTempFile {
    let (bootstrap, ca) = listener();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        format!(
            "# Required connection configs for Kafka producer, consumer, and admin\n\
             bootstrap.servers={bootstrap}\n\
             security.protocol=SASL_SSL\n\
             sasl.mechanisms=PLAIN\n\
             sasl.username=alice\n\
             sasl.password={password}\n\
             ssl.ca.location={ca}\n\
             session.timeout.ms=45000\n"
        ),
    )
    .unwrap();
    file
}

fn settings(properties: &Path, topic: &str, timeout_ms: &str) -> KafkaSettings {
    let path = properties.to_str().unwrap();
    let env = BTreeMap::from([
        ("KAFKA_CLIENT_PROPERTIES", path),
        ("KAFKA_TOPIC", topic),
        ("KAFKA_PRODUCE_TIMEOUT_MS", timeout_ms),
    ]);
    kafka_from_toml("", Path::new("test.toml"), Path::new("."), &env).unwrap()
}

#[tokio::test]
#[ignore = "needs the SASL_SSL listener of scripts/kafka; scripts/test runs it"]
async fn the_whole_loop_works_over_sasl_ssl_with_a_client_properties_file() {
    let properties = client_properties("alice-secret");
    let app = spawn_app_with(settings(properties.path(), &unique("sasl"), "10000")).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap();

    let text = unique("over-tls");
    let response = produce(&app, &text).await;
    let body = response.text().await.unwrap();
    let receipt: Receipt = serde_json::from_str(&body).unwrap_or_else(|_| panic!("produce failed: {body}"));
    let record = next_record(&mut socket, &text).await;
    assert_eq!((record.partition, record.offset), (receipt.records[0].partition, receipt.records[0].offset));
}

#[tokio::test]
#[ignore = "needs the SASL_SSL listener of scripts/kafka; scripts/test runs it"]
async fn a_wrong_password_is_a_clear_produce_error_that_keeps_the_secret() {
    let secret = "wrong-Secret-4711";
    let properties = client_properties(secret);
    let app = spawn_app_with(settings(properties.path(), &unique("sasl-bad"), "3000")).await;

    let response = produce(&app, "hello").await;
    assert!(!response.status().is_success());
    let body = response.text().await.unwrap();
    assert!(body.contains("Authentication failed"), "the error says why: {body}");
    assert!(!body.contains(secret), "the secret leaked into the error: {body}");
}

#[tokio::test]
#[ignore = "needs the SASL_SSL listener of scripts/kafka; scripts/test runs it"]
async fn a_wrong_password_is_a_clear_console_consumer_error_that_keeps_the_secret() {
    let secret = "wrong-Secret-0815";
    let properties = client_properties(secret);
    let mut child = consumer_command()
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .env("KAFKA_CLIENT_PROPERTIES", properties.path())
        .env("KAFKA_TOPIC", unique("sasl-consumer"))
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buffer = [0u8; 4096];
        loop {
            let n = stderr.read(&mut buffer).await.unwrap();
            if n == 0 {
                return false;
            }
            seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
            if seen.contains("Authentication failed") {
                return true;
            }
        }
    })
    .await
    .unwrap_or(false);
    child.kill().await.ok();
    assert!(found, "the consumer says authentication failed: {seen}");
    assert!(!seen.contains(secret), "the secret leaked into the consumer's output: {seen}");
}

#[tokio::test]
#[ignore = "needs the SASL_SSL listener of scripts/kafka; scripts/test runs it"]
async fn the_secret_never_reaches_the_page_the_socket_or_the_log() {
    use futures::StreamExt;

    let secret = "alice-secret";
    let properties = client_properties(secret);
    let topic = unique("secret");
    let server = ServerProcess::start(&[
        ("KAFKA_BOOTSTRAP_SERVERS", None),
        ("KAFKA_CLIENT_PROPERTIES", properties.path().to_str()),
        ("KAFKA_TOPIC", Some(&topic)),
        ("RUST_LOG", Some("debug")),
    ])
    .await;
    let addr = server.addr.clone();

    let page = reqwest::get(format!("http://{addr}/")).await.unwrap().text().await.unwrap();
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    let app = crate::common::TestApp { addr: addr.parse().unwrap(), topic };
    let text = unique("with-secret-nearby");
    let answer = produce(&app, &text).await.text().await.unwrap();
    let mut frames = String::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(tokio_tungstenite::tungstenite::Message::Text(frame))) = socket.next().await {
            frames.push_str(&frame);
            if frames.contains(&text) {
                break;
            }
        }
    })
    .await
    .expect("the record arrives");
    let log = std::sync::Arc::clone(&server.log);
    assert!(server.stop().await.success());

    let log = log.lock().unwrap().clone();
    assert!(log.contains("sasl.username"), "the settings were logged (redacted): {log}");
    for (place, content) in [("page", &page), ("produce answer", &answer), ("socket", &frames), ("log", &log)]
    {
        assert!(!content.contains(secret), "the secret reached the {place}");
    }
}
