//! A page that asks for another start position or topic gets a reader of its own: it starts
//! where asked, says when it has caught up, goes on live, and leaves the shared feed alone.
//! Requests that cannot be served are refused with the reason; bad ones never open a socket.

use std::time::Duration;

use futures::StreamExt;
use kafka_live::server::config::settings::KafkaSettings;
use kafka_live::wire::frame::ServerFrame;
use kafka_live::wire::record::Payload;
use tokio_tungstenite::tungstenite::Message;

use crate::common::{Socket, TestApp, next_record, settings_with, spawn_app_with, unique};

/// One partition, so offsets are the order produced; a backlog of 3.
fn settings(topic: &str) -> KafkaSettings {
    settings_with(topic, "1", "3")
}

async fn connect(app: &TestApp, query: &str) -> Socket {
    let url = format!("ws://{}/ws?{query}", app.addr);
    tokio_tungstenite::connect_async(url).await.expect("the socket opens").0
}

/// Record values up to the caught-up frame, then up to `more` live ones.
async fn read(socket: &mut Socket, more: usize) -> (Vec<String>, Vec<String>) {
    let (mut before, mut after, mut caught_up) = (Vec::new(), Vec::new(), false);
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(message)) = socket.next().await {
            let Message::Text(text) = message else { continue };
            match serde_json::from_str::<ServerFrame>(&text).unwrap() {
                ServerFrame::CaughtUp => caught_up = true,
                ServerFrame::Record(record) => {
                    let Some(Payload::Text(value)) = record.value else { continue };
                    if caught_up { after.push(value) } else { before.push(value) }
                }
                ServerFrame::Refused { reason } => panic!("refused: {reason}"),
                _ => {}
            }
            if caught_up && after.len() >= more {
                return;
            }
        }
    })
    .await;
    assert!(caught_up, "the reader says when it has caught up");
    (before, after)
}

async fn refusal(app: &TestApp, query: &str) -> String {
    let mut socket = connect(app, query).await;
    let wait = async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message
                && let Ok(ServerFrame::Refused { reason }) = serde_json::from_str(&text)
            {
                return reason;
            }
        }
        panic!("the socket closed without a reason");
    };
    tokio::time::timeout(Duration::from_secs(30), wait).await.expect("refused within 30 s")
}

#[tokio::test]
async fn each_start_position_starts_where_asked_then_goes_live() {
    let topic = unique("reader");
    let app = spawn_app_with(settings(&topic)).await;
    let values: Vec<String> = (0..6).map(|n| format!("{topic} {n}")).collect();
    // The shared feed's backlog is what its consumer has read so far, which can trail the
    // produce acks; this page watches for the last record so the backlog is known to hold it.
    let mut watcher = connect(&app, "").await;
    app.produce_all(&values[..3]).await;
    // A second apart, so a timestamp falls between the halves.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let between = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.produce_all(&values[3..]).await;
    next_record(&mut watcher, &values[5]).await;

    let mut earliest = connect(&app, "from=earliest").await;
    let mut from_offset = connect(&app, "from=offset:4").await;
    let mut per_partition = connect(&app, "from=offset%3A0%3D5").await;
    let mut by_time = connect(&app, &format!("from=time:{between}")).await;
    let mut shared = connect(&app, "").await;
    assert_eq!(read(&mut earliest, 0).await.0, values);
    assert_eq!(read(&mut from_offset, 0).await.0, values[4..]);
    assert_eq!(read(&mut per_partition, 0).await.0, values[5..]);
    assert_eq!(read(&mut by_time, 0).await.0, values[3..]);
    // The shared feed: its backlog of 3, unchanged by the readers.
    assert_eq!(read(&mut shared, 0).await.0, values[3..]);

    // Everyone goes on live.
    let live = format!("{topic} live");
    app.produce_all(std::slice::from_ref(&live)).await;
    for socket in [&mut earliest, &mut from_offset, &mut per_partition, &mut by_time, &mut shared] {
        assert_eq!(next_record(socket, &live).await.offset, 6);
    }
}

#[tokio::test]
async fn another_topic_is_read_by_a_reader_of_its_own() {
    let topic = unique("reader-home");
    let other = unique("reader-other");
    let app = spawn_app_with(settings(&topic)).await;
    let other_app = spawn_app_with(settings(&other)).await;
    let value = format!("{other} only");
    other_app.produce_all(std::slice::from_ref(&value)).await;
    let mut socket = connect(&app, &format!("topic={other}")).await;
    assert_eq!(read(&mut socket, 0).await.0, [value]);
}

#[tokio::test]
async fn what_cannot_be_served_is_refused_with_the_reason() {
    let topic = unique("reader-refused");
    let app = spawn_app_with(settings(&topic)).await;
    let missing = unique("no-such-topic");
    assert_eq!(refusal(&app, &format!("topic={missing}")).await, format!("Topic {missing} does not exist."));
    assert_eq!(
        refusal(&app, "from=offset:3=0").await,
        format!("Topic {topic} has no partition 3: it has 1 (0 to 0).")
    );
}

#[tokio::test]
async fn a_malformed_request_never_opens_a_socket() {
    let topic = unique("reader-bad");
    let app = spawn_app_with(settings(&topic)).await;
    for (query, says) in [
        ("from=offset:-1", "not an offset"),
        ("from=yesterday", "not a start position"),
        ("from=time:soon", "not a time"),
        ("topic=a%20b", "cannot be in a topic name"),
    ] {
        let response = reqwest::Client::new()
            .get(format!("http://{}/ws?{query}", app.addr))
            .header("Connection", "Upgrade")
            .header("Upgrade", "websocket")
            .header("Sec-WebSocket-Version", "13")
            .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
        assert!(response.text().await.unwrap().contains(says), "{query}");
    }
}
