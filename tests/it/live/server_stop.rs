//! SIGTERM stops the server cleanly: every open page gets a close frame saying so, and the
//! process exits 0 after flushing its producer.

use std::time::Duration;

use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::common::{ServerProcess, bootstrap, unique};

#[tokio::test]
async fn sigterm_closes_every_socket_with_a_reason_and_exits_zero() {
    let topic = unique("stop");
    let server = ServerProcess::start(&[
        ("KAFKA_BOOTSTRAP_SERVERS", Some(&bootstrap())),
        ("KAFKA_TOPIC", Some(&topic)),
    ])
    .await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr)).await.unwrap();

    let stopping = tokio::spawn(server.stop());
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

    let status = stopping.await.unwrap();
    assert!(status.success(), "exit status {status}");
}
