//! What the producer form may ask for beyond text: a key, headers, a partition, a topic, one
//! record per line, a repeat count. Bad requests are refused with the reason and produce
//! nothing.

use std::time::Duration;

use futures::StreamExt;
use kafka_live::wire::frame::ServerFrame;
use kafka_live::wire::produce::ProduceError;
use kafka_live::wire::receipt::Receipt;
use kafka_live::wire::record::Payload;
use tokio_tungstenite::tungstenite::Message;

use crate::common::{TestApp, next_record, spawn_app, unique};

async fn post(app: &TestApp, form: &[(&str, &str)]) -> Result<Receipt, ProduceError> {
    let (status, body) = app.post_form("produce", form).await;
    let ok = status == 200;
    if ok { Ok(serde_json::from_str(&body).unwrap()) } else { Err(serde_json::from_str(&body).unwrap()) }
}

#[tokio::test]
async fn key_headers_and_partition_arrive_as_sent() {
    let topic = unique("input");
    let app = spawn_app(&topic).await;
    let mut socket = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap().0;
    let text = unique("with-everything");
    let receipt = post(
        &app,
        &[
            ("text", &text),
            ("key", "k-1"),
            ("partition", "2"),
            ("headers[0][name]", "trace"),
            ("headers[0][value]", "t-9"),
            ("headers[1][name]", ""),
            ("headers[1][value]", ""),
        ],
    )
    .await
    .unwrap();
    assert_eq!(receipt.records[0].partition, 2);
    let record = next_record(&mut socket, &text).await;
    assert_eq!(record.partition, 2);
    assert_eq!(record.key, Some(Payload::Text("k-1".into())));
    assert_eq!(record.headers.len(), 1);
    assert_eq!(
        (record.headers[0].name.as_str(), &record.headers[0].value),
        ("trace", &Some(Payload::Text("t-9".into())))
    );
    assert_eq!(record.size, 3 + text.len() + 5 + 3);
}

#[tokio::test]
async fn lines_and_repeat_produce_every_record_in_order() {
    let topic = unique("input-bulk");
    let app = spawn_app(&topic).await;
    let marker = unique("bulk");
    let text = format!("{marker} a\n\n{marker} b\n");
    let receipt =
        post(&app, &[("text", &text), ("key", &marker), ("lines", "on"), ("repeat", "3")]).await.unwrap();
    assert_eq!(receipt.records.len(), 6);
    let partition = receipt.records[0].partition;
    assert!(receipt.records.iter().all(|placed| placed.partition == partition), "one key, one partition");
    let offsets: Vec<i64> = receipt.records.iter().map(|placed| placed.offset).collect();
    assert!(offsets.windows(2).all(|pair| pair[1] == pair[0] + 1), "in the order sent: {offsets:?}");
}

#[tokio::test]
async fn bad_requests_are_refused_and_produce_nothing() {
    let topic = unique("input-bad");
    let app = spawn_app(&topic).await;
    let mut socket = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap().0;
    let text = unique("refused");
    let missing = unique("missing-topic");
    let too_many: Vec<(String, String)> = (0..65)
        .flat_map(|i| {
            [(format!("headers[{i}][name]"), format!("h{i}")), (format!("headers[{i}][value]"), "v".into())]
        })
        .collect();
    let mut too_many_form: Vec<(&str, &str)> =
        too_many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    too_many_form.push(("text", &text));
    let cases: Vec<(Vec<(&str, &str)>, ProduceError)> = vec![
        (
            vec![("text", &text), ("partition", "3")],
            ProduceError::NoSuchPartition { topic: topic.clone(), partition: 3, count: 3 },
        ),
        (
            vec![("text", &text), ("partition", "x")],
            ProduceError::BadPartition("`x` is not a partition number".into()),
        ),
        (vec![("text", &text), ("topic", &missing)], ProduceError::UnknownTopic { topic: missing.clone() }),
        (vec![("text", &text), ("headers[0][value]", "v")], ProduceError::HeaderWithoutName { row: 1 }),
        (too_many_form, ProduceError::TooManyHeaders { count: 65, limit: 64 }),
        (
            vec![("text", &text), ("repeat", "0")],
            ProduceError::BadRepeat("`0` is not a whole number from 1 to 10000".into()),
        ),
        (vec![("text", "\n  \n"), ("lines", "on")], ProduceError::EmptyText),
        (
            vec![("text", "a\nb"), ("lines", "on"), ("repeat", "5001")],
            ProduceError::TooManyRecords { count: 10002, limit: 10_000 },
        ),
    ];
    for (form, expected) in cases {
        assert_eq!(post(&app, &form).await.unwrap_err(), expected, "{form:?}");
    }
    // Nothing of it reached the topic: the next record on the socket is the one sent after.
    let after = unique("after");
    post(&app, &[("text", &after)]).await.unwrap();
    let wait = async {
        while let Some(Ok(Message::Text(frame))) = socket.next().await {
            if let Ok(ServerFrame::Record(record)) = serde_json::from_str(&frame) {
                return record;
            }
        }
        panic!("socket closed");
    };
    let first = tokio::time::timeout(Duration::from_secs(30), wait).await.unwrap();
    assert_eq!(first.value, Some(Payload::Text(after)));
}
