//! A page that asks for batches (`batch=1`, as the page's own script does) gets the frames
//! queued for it at once as one message, a JSON array, in the order they would have come one by
//! one; a lone frame still comes on its own. A client that does not ask gets one frame per
//! message, as before.

use futures::StreamExt;
use kafka_live::wire::frame::{ServerFrame, frames, record_position};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{Socket, next_record, settings_with, spawn_app_with, unique};

/// The next text message, at most 30 s away.
async fn next_message(socket: &mut Socket) -> String {
    let wait = async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => return text.to_string(),
                Some(Ok(_)) => {}
                other => panic!("the socket ended: {other:?}"),
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), wait).await.expect("a message within 30 s")
}

/// Each frame's `type`.
fn types(message: &str) -> Vec<String> {
    frames(message)
        .map(|frame| {
            let value: serde_json::Value = serde_json::from_str(frame).expect("each frame is JSON");
            value["type"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_page_that_asks_for_batches_gets_what_waits_for_it_as_one_message() {
    // One partition and a backlog of five: a page that connects gets the five at once.
    let app = spawn_app_with(settings_with(&unique("batches"), "1", "5")).await;
    app.ready().await;
    let (mut plain, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap();
    let values: Vec<String> = (0..5).map(|i| unique(&format!("batched {i}"))).collect();
    app.produce_all(&values).await;
    next_record(&mut plain, &values[4]).await;

    let (mut batched, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws?batch=1", app.addr)).await.unwrap();
    let first = next_message(&mut batched).await;
    assert!(first.starts_with('['), "a batch is a JSON array: {first}");
    assert_eq!(
        types(&first),
        ["broker", "feed", "view", "record", "record", "record", "record", "record", "caught_up"]
    );
    let offsets: Vec<i64> = frames(&first).filter_map(record_position).map(|(_, offset)| offset).collect();
    assert_eq!(offsets, vec![0, 1, 2, 3, 4]);

    // A record on its own is a frame on its own, to both.
    let later = unique("later");
    app.produce_all(std::slice::from_ref(&later)).await;
    let alone = next_message(&mut batched).await;
    match serde_json::from_str::<ServerFrame>(&alone).expect("a lone frame is not wrapped") {
        ServerFrame::Record(record) => assert_eq!(record.offset, 5),
        other => panic!("expected the record, got {other:?}"),
    }
    assert_eq!(next_record(&mut plain, &later).await.offset, 5);
}

#[tokio::test]
async fn a_batch_query_that_is_neither_1_nor_0_is_refused_with_the_reason() {
    let app = spawn_app_with(settings_with(&unique("batch-query"), "1", "5")).await;
    let error =
        tokio_tungstenite::connect_async(format!("ws://{}/ws?batch=yes", app.addr)).await.unwrap_err();
    let tokio_tungstenite::tungstenite::Error::Http(response) = error else { panic!("{error}") };
    assert_eq!(response.status(), 400);
    let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
    assert_eq!(body, "batch: `yes` is not 1 or 0\n");
}
