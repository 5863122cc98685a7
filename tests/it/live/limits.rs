//! Limits answer clearly and lose nothing: a client over the produce rate gets 429 and the
//! reason, and its refused message is not produced; one socket over the cap gets 503.

use std::time::Duration;

use futures::StreamExt;
use kafka_live::server::config::web::{ProduceRate, WebSettings};
use kafka_live::wire::frame::ServerFrame;
use kafka_live::wire::produce::ProduceError;
use kafka_live::wire::record::Payload;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::common::{next_record, produce, settings_for, spawn_app_with_web, unique};

#[tokio::test]
async fn a_client_over_the_produce_rate_is_told_so_and_its_message_is_not_produced() {
    let web =
        WebSettings { produce_rate: Some(ProduceRate { per_second: 1, burst: 2 }), ..Default::default() };
    let app = spawn_app_with_web(settings_for(&unique("rate")), web).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap();

    // All at once: the limiter counts each request as it arrives, however slow the broker.
    let texts: Vec<String> = (0..5).map(|i| unique(&format!("burst {i}"))).collect();
    let responses = futures::future::join_all(texts.iter().map(|text| produce(&app, text))).await;
    let mut refused = Vec::new();
    for (text, response) in texts.iter().zip(responses) {
        if response.status() == 429 {
            assert!(response.headers().contains_key("retry-after"));
            let error: ProduceError = serde_json::from_str(&response.text().await.unwrap()).unwrap();
            assert_eq!(error, ProduceError::RateLimited { per_second: 1 });
            assert!(error.to_string().contains("1 a second"), "{error}");
            refused.push(text.clone());
        } else {
            assert!(response.status().is_success(), "{}", response.status());
        }
    }
    assert_eq!(refused.len(), 3, "a burst of 2 lets 2 of 5 through");

    // A second later the client may produce again; the refused text never reached the feed.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let after = unique("after the wait");
    assert!(produce(&app, &after).await.status().is_success());
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(Message::Text(text))) = socket.next().await {
            if let Ok(ServerFrame::Record(record)) = serde_json::from_str(&text) {
                let done = record.value == Some(Payload::Text(after.clone()));
                seen.push(record.value);
                if done {
                    return;
                }
            }
        }
    })
    .await
    .expect("the record after the wait arrives");
    for text in refused {
        assert!(!seen.contains(&Some(Payload::Text(text))), "a refused message was produced");
    }
}

#[tokio::test]
async fn one_socket_over_the_cap_is_refused_with_a_reason_and_the_others_keep_flowing() {
    let web = WebSettings { max_sockets: 2, ..Default::default() };
    let app = spawn_app_with_web(settings_for(&unique("cap")), web).await;
    let url = format!("ws://{}/ws", app.addr);
    let (mut first, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (second, _) = tokio_tungstenite::connect_async(&url).await.unwrap();

    match tokio_tungstenite::connect_async(&url).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
            assert!(body.contains("cap of 2"), "{body}");
        }
        other => panic!("a third socket must be refused, got {other:?}"),
    }

    let text = unique("still flowing");
    assert!(produce(&app, &text).await.status().is_success());
    next_record(&mut first, &text).await;

    // A closed socket frees its place.
    drop(second);
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if tokio_tungstenite::connect_async(&url).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a place frees up when a socket closes");
}
