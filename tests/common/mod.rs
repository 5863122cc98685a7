//! Shared set-up for the integration tests: a real broker over TCP, the real server on port 0.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use kafka_live::server::settings::{KafkaSettings, kafka_from_toml};
use kafka_live::server::startup::Services;
use leptos::config::LeptosOptions;

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
    kafka_live::server::logging::init();
    let settings = settings_for(topic);
    let services = Services::connect(&settings).await.expect("services start");
    let options = LeptosOptions::builder().output_name("kafka-live").build();
    let router = services.router(options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
        drop(services);
    });
    TestApp { addr, topic: topic.to_owned() }
}
