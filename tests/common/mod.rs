//! Shared set-up for the integration tests: a real broker over TCP, the real server on port 0.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use kafka_live::event::{Payload, ServerFrame};
use kafka_live::server::settings::{KafkaSettings, kafka_from_toml};
use kafka_live::server::startup::Services;
use leptos::config::LeptosOptions;
use tokio_tungstenite::tungstenite::Message;

/// The broker the tests run against. `scripts/test` starts one and sets this.
pub fn bootstrap() -> String {
    std::env::var("KAFKA_BOOTSTRAP_SERVERS").expect(
        "the integration tests need a running broker: run scripts/test, or set KAFKA_BOOTSTRAP_SERVERS",
    )
}

/// A topic no other test (or earlier run) uses.
pub fn unique(name: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("test-{name}-{}-{nanos}", std::process::id())
}

pub fn settings_for(topic: &str) -> KafkaSettings {
    let bootstrap = bootstrap();
    let env = BTreeMap::from([
        ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.as_str()),
        ("KAFKA_TOPIC", topic),
        ("KAFKA_PARTITIONS", "3"),
    ]);
    kafka_from_toml("", Path::new("test.toml"), Path::new("."), &env).expect("test settings are valid")
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub topic: String,
}

/// Starts the whole server (producer, feed, hub, routes) in this process on a free port.
pub async fn spawn_app(topic: &str) -> TestApp {
    spawn_app_with(settings_for(topic)).await
}

pub async fn spawn_app_with(settings: KafkaSettings) -> TestApp {
    kafka_live::server::logging::init();
    let topic = settings.topic.clone();
    let services = Services::connect(&settings).await.expect("services start");
    let options = LeptosOptions::builder().output_name("kafka-live").build();
    let router = services.router(options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
        drop(services);
    });
    TestApp { addr, topic }
}

/// Produces `text` through the server's HTTP produce path, as the page does.
pub async fn produce(app: &TestApp, text: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("http://{}/api/produce", app.addr))
        .header("Accept", "application/json")
        .form(&[("text", text)])
        .send()
        .await
        .expect("the server answers")
}

/// Reads frames until the record with this text value arrives (at most 30 s).
pub async fn next_record<S>(socket: &mut S, value: &str) -> kafka_live::event::FeedRecord
where
    S: futures::StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let wait = async {
        while let Some(message) = socket.next().await {
            if let Message::Text(text) = message.expect("socket stays open")
                && let ServerFrame::Record(record) = serde_json::from_str(&text).expect("frames are JSON")
                && record.value == Some(Payload::Text(value.to_owned()))
            {
                return record;
            }
        }
        panic!("the socket closed before the record arrived");
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), wait)
        .await
        .expect("the record reaches the socket within 30 s")
}
