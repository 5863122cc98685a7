//! SIGTERM stops the server cleanly: every open page gets a close frame saying so, and the
//! process exits 0 after flushing its producer.

mod common;

use std::process::Stdio;
use std::time::Duration;

use futures::StreamExt;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use common::{bootstrap, unique};

#[tokio::test]
async fn sigterm_closes_every_socket_with_a_reason_and_exits_zero() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_kafka-live"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("KAFKA_LIVE_CONFIG", "Leptos.toml")
        .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap())
        .env("KAFKA_TOPIC", unique("stop"))
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut log = BufReader::new(server.stderr.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = log.next_line().await.unwrap() {
            if let Some(addr) = line.split("listening on http://").nth(1) {
                return addr.trim().to_owned();
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .expect("the server listens within 60 s");
    tokio::spawn(async move { while let Ok(Some(_)) = log.next_line().await {} });

    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    // SAFETY: kill(2) on the child this test spawned.
    unsafe { libc::kill(server.id().unwrap() as i32, libc::SIGTERM) };

    let close = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(frame) = socket.next().await {
            if let Ok(Message::Close(frame)) = frame {
                return frame;
            }
        }
        None
    })
    .await
    .expect("the page hears the server go");
    assert_eq!(close.map(|f| f.code), Some(CloseCode::Away));

    let status = tokio::time::timeout(Duration::from_secs(20), server.wait()).await.unwrap().unwrap();
    assert!(status.success(), "exit status {status}");
}
