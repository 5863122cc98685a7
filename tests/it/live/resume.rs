//! A page whose socket drops reconnects with the offsets it last saw and gets exactly what it
//! missed: from the hub while it still holds it, from Kafka after that. No gap, no duplicate,
//! whether the server closed the socket or a proxy in between cut it.

use std::time::Duration;

use futures::StreamExt;
use kafka_live::server::config::settings::KafkaSettings;
use kafka_live::wire::frame::ServerFrame;
use kafka_live::wire::record::{FeedRecord, Payload};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use crate::common::{Socket, TestApp, produce, settings_with, spawn_app_with, unique};

/// One partition, so the whole stream is one sequence; a backlog of 2, so a reconnect soon
/// needs Kafka.
fn settings(topic: &str) -> KafkaSettings {
    settings_with(topic, "1", "2")
}

/// Reads frames until `want` records with these values arrived; anything else is kept too.
async fn read_until(socket: &mut Socket, values: &[String]) -> (Vec<FeedRecord>, u64) {
    let (mut records, mut missed) = (Vec::new(), 0);
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while !values
            .iter()
            .all(|v| records.iter().any(|r: &FeedRecord| r.value == Some(Payload::Text(v.clone()))))
        {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => match serde_json::from_str(&text) {
                    Ok(ServerFrame::Record(record)) => records.push(record),
                    Ok(ServerFrame::Missed { count }) => missed += count,
                    _ => {}
                },
                Some(Ok(_)) => {}
                _ => return,
            }
        }
    })
    .await;
    // Anything more that is already on its way would be a duplicate.
    while let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout(Duration::from_millis(300), socket.next()).await
    {
        if let Ok(ServerFrame::Record(record)) = serde_json::from_str(&text) {
            records.push(record);
        }
    }
    (records, missed)
}

fn texts(records: &[FeedRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| match &r.value {
            Some(Payload::Text(text)) => text.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

fn batch(label: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{label} {i:02}")).collect()
}

#[tokio::test]
async fn after_the_backlog_moved_on_a_reconnecting_page_gets_the_gap_from_kafka_exactly() {
    let app = spawn_app_with(settings(&unique("resume"))).await;
    let url = format!("ws://{}/ws", app.addr);
    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let before = batch(&unique("before"), 3);
    app.produce_all(&before).await;
    let (seen, _) = read_until(&mut socket, &before).await;
    let last = seen.last().unwrap().offset;
    drop(socket);

    // Ten records while the page is away: the hub keeps only the last two.
    let away = batch(&unique("away"), 10);
    app.produce_all(&away).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("{url}?resume=0:{last}")).await.unwrap();
    let (records, missed) = read_until(&mut socket, &away).await;
    assert_eq!(missed, 0);
    assert_eq!(texts(&records), away, "exactly the ten, in order, once");
    let offsets: Vec<i64> = records.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, ((last + 1)..(last + 11)).collect::<Vec<_>>());
}

/// A TCP proxy between the page and the server that the test can cut at any moment.
async fn proxy(to: std::net::SocketAddr) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut inbound, _) = listener.accept().await.unwrap();
        let mut outbound = tokio::net::TcpStream::connect(to).await.unwrap();
        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
    });
    (format!("ws://{addr}/ws"), task)
}

#[tokio::test]
async fn a_proxy_cut_mid_stream_loses_and_repeats_nothing() {
    let app = spawn_app_with(settings(&unique("cut"))).await;
    let (url, cut) = proxy(app.addr).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();

    let stream = batch(&unique("stream"), 30);
    let producing = {
        let (addr, topic, stream) = (app.addr, app.topic.clone(), stream.clone());
        tokio::spawn(async move {
            let app = TestApp { addr, topic };
            for value in &stream {
                assert!(produce(&app, value).await.status().is_success());
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
        })
    };
    // Mid-stream, the connection is cut under the page: no close frame, just gone.
    let (before_cut, _) = read_until(&mut socket, &stream[..5]).await;
    cut.abort();
    let _ = cut.await;
    drop(socket);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let last = before_cut.last().unwrap().offset;
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws?resume=0:{last}", app.addr)).await.unwrap();
    producing.await.unwrap();
    let rest: Vec<String> = stream.iter().filter(|v| !texts(&before_cut).contains(v)).cloned().collect();
    let (after, missed) = read_until(&mut socket, &rest).await;
    assert_eq!(missed, 0);
    let mut all = texts(&before_cut);
    all.extend(texts(&after));
    assert_eq!(all, stream, "the exact sequence: no gap, no duplicate");
}
