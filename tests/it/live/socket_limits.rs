//! A client that misbehaves on its socket loses that socket, with a reason, and nobody else
//! notices.

use futures::{SinkExt, StreamExt};
use kafka_live::wire::receipt::Receipt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::common::{next_record, produce, spawn_app, unique};

async fn close_code_after_sending(app: &crate::common::TestApp, message: Message) -> Option<CloseCode> {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap();
    socket.send(message).await.unwrap();
    let wait = async {
        while let Some(frame) = socket.next().await {
            match frame {
                Ok(Message::Close(frame)) => return frame.map(|f| f.code),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), wait)
        .await
        .expect("the server closes the socket")
}

#[tokio::test]
async fn an_oversized_frame_closes_that_socket_only() {
    let app = spawn_app(&unique("oversized")).await;
    let (mut bystander, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap();

    let code = close_code_after_sending(&app, Message::Text("x".repeat(64 * 1024).into())).await;
    assert_eq!(code, Some(CloseCode::Size));

    let text = unique("still-flowing");
    let receipt: Receipt = serde_json::from_str(&produce(&app, &text).await.text().await.unwrap()).unwrap();
    let record = next_record(&mut bystander, &text).await;
    assert_eq!(record.offset, receipt.records[0].offset);
}

#[tokio::test]
async fn a_message_on_the_feed_socket_closes_it_with_a_reason() {
    let app = spawn_app(&unique("chatty")).await;
    let code = close_code_after_sending(&app, Message::Text("{\"hello\":1}".into())).await;
    assert_eq!(code, Some(CloseCode::Unsupported));
}
