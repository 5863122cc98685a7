//! The whole loop through the server: produce over HTTP as the page does, and receive the same
//! record on a real WebSocket client, with the partition and offset Kafka gave it.

use kafka_live::wire::receipt::Receipt;

use crate::common::{next_record, produce, spawn_app, unique};

#[tokio::test]
async fn produced_text_reaches_a_websocket_client_with_its_partition_and_offset() {
    let app = spawn_app(&unique("round-trip")).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap();

    let text = format!("hello <b>kafka</b> {}", unique("v"));
    let response = produce(&app, &text).await;
    assert!(response.status().is_success(), "produce failed: {}", response.text().await.unwrap());
    let receipt: Receipt = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(receipt.topic, app.topic);

    let record = next_record(&mut socket, &text).await;
    assert_eq!((record.partition, record.offset), (receipt.records[0].partition, receipt.records[0].offset));
    assert_eq!(record.topic, app.topic);
    assert!(record.timestamp.is_some());
    socket.close(None).await.ok();
}

#[tokio::test]
async fn a_page_opened_later_first_receives_the_backlog() {
    let app = spawn_app(&unique("backlog")).await;
    let text = unique("earlier");
    let response = produce(&app, &text).await;
    assert!(response.status().is_success());

    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap();
    next_record(&mut socket, &text).await;
}

#[tokio::test]
async fn blank_text_is_refused_and_nothing_is_produced() {
    let app = spawn_app(&unique("blank")).await;
    let response = produce(&app, "   ").await;
    assert!(response.status().is_server_error() || response.status().is_client_error());
    let body = response.text().await.unwrap();
    assert!(body.contains("EmptyText"), "{body}");
}

#[tokio::test]
async fn a_cross_site_websocket_upgrade_is_refused() {
    let app = spawn_app(&unique("origin")).await;
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("ws://{}/ws", app.addr),
    )
    .unwrap();
    request.headers_mut().insert("Origin", "https://evil.example".parse().unwrap());
    let refused = tokio_tungstenite::connect_async(request).await;
    assert!(refused.is_err(), "a foreign Origin must not get a socket");
}

#[tokio::test]
async fn a_cross_site_produce_post_is_refused() {
    let app = spawn_app(&unique("csrf")).await;
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/produce", app.addr))
        .header("Origin", "https://evil.example")
        .form(&[("text", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);
}
