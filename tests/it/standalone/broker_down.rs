//! A server whose broker is unreachable still starts, tells its pages so, and fails a produce
//! within the produce timeout with the reason, producing nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kafka_live::server::config::settings::kafka_from_toml;
use kafka_live::wire::frame::{BrokerStatus, ServerFrame};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{produce, spawn_app_with, unique};

#[tokio::test]
async fn an_unreachable_broker_is_reported_to_the_page_and_a_produce_fails_in_time() {
    // Nothing listens on port 1 of loopback.
    let topic = unique("down");
    let env = BTreeMap::from([
        ("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"),
        ("KAFKA_TOPIC", topic.as_str()),
        ("KAFKA_PRODUCE_TIMEOUT_MS", "1500"),
    ]);
    let settings = kafka_from_toml("", Path::new("t.toml"), Path::new("."), &env).unwrap();
    let app = spawn_app_with(settings).await;

    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if let Some(Ok(Message::Text(text))) = socket.next().await
                && let Ok(ServerFrame::Broker(status)) = serde_json::from_str(&text)
            {
                return status;
            }
        }
    })
    .await
    .expect("the page hears about the broker");
    assert!(matches!(status, BrokerStatus::Unreachable { .. }), "{status:?}");

    let started = Instant::now();
    let response = produce(&app, "nobody hears this").await;
    let waited = started.elapsed();
    assert!(!response.status().is_success());
    let body = response.text().await.unwrap();
    assert!(body.contains("TimedOut"), "{body}");
    assert!(waited < Duration::from_millis(1500 + 1500), "bounded by the produce timeout, took {waited:?}");
}
