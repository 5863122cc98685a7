//! The Consumers panel's numbers stay true for a minute of 1,000 records a second, with the
//! real console consumer keeping up: every look the page is sent holds together (committed
//! within the log, lag the difference, nothing going backwards, the one member holding every
//! partition), and once the stream ends a look shows all 60,000 records committed and no lag.
//! Two pages watching the group share one watcher.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use kafka_live::wire::consumers::{GroupState, GroupView, GroupWatch};
use kafka_live::wire::frame::ServerFrame;
use kafka_live_testkit::outside::{Paced, produce_paced};
use rdkafka::producer::FutureProducer;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{ServerProcess, bootstrap, consumer_command, unique};

const RATE: u64 = 1_000;
const SECONDS: u64 = 60;
const RECORDS: i64 = (RATE * SECONDS) as i64;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next look at the group on this socket; record frames and the rest are passed over.
async fn next_look(socket: &mut Socket) -> GroupView {
    loop {
        let text = match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(_))) => continue,
            other => panic!("the socket ended or went quiet for 30 s: {other:?}"),
        };
        // Records are most of the traffic; only group frames are decoded whole.
        if !text.contains(r#""type":"group""#) {
            continue;
        }
        match serde_json::from_str::<ServerFrame>(&text).unwrap() {
            ServerFrame::Group(GroupWatch::Watching(view)) => return view,
            ServerFrame::Group(other) => panic!("the group could not be looked at: {other:?}"),
            _ => continue,
        }
    }
}

/// What every look must hold, alone and against the one before it.
fn check(view: &GroupView, before: Option<&GroupView>, group: &str, topic: &str) {
    assert_eq!((view.group.as_str(), view.topic.as_str()), (group, topic));
    assert_eq!(view.partitions.iter().map(|p| p.partition).collect::<Vec<_>>(), [0, 1, 2]);
    for p in &view.partitions {
        let committed = p.committed.unwrap_or(p.log_start);
        assert!(p.log_start <= committed && committed <= p.log_end, "{p:?} in {view:?}");
        assert_eq!(p.lag(), p.log_end - committed, "{p:?}");
    }
    assert_eq!(view.total_lag(), view.partitions.iter().map(|p| p.lag()).sum::<i64>());
    if view.total_lag() == 0 {
        assert_eq!(view.time_lag_ms, None, "nothing waits, so nothing is old: {view:?}");
    }
    // The consumer never leaves: one member, every partition, no rebalance.
    assert_eq!(view.state, GroupState::Stable, "{view:?}");
    assert_eq!(view.members.len(), 1, "{view:?}");
    assert_eq!(view.members[0].partitions, Some(vec![0, 1, 2]));
    if let Some(before) = before {
        assert!(view.seen_at_ms >= before.seen_at_ms);
        for (now, then) in view.partitions.iter().zip(&before.partitions) {
            assert!(now.committed >= then.committed, "a commit went backwards: {then:?} then {now:?}");
            assert!(now.log_end >= then.log_end, "a log end went backwards: {then:?} then {now:?}");
        }
    }
}

fn committed(view: &GroupView) -> BTreeMap<i32, Option<i64>> {
    view.partitions.iter().map(|p| (p.partition, p.committed)).collect()
}

#[tokio::test]
async fn the_consumers_panel_stays_true_for_60_s_of_1000_records_a_second() {
    let topic = unique("group-load");
    let group = unique("group-load");
    let bootstrap = bootstrap();
    let server = ServerProcess::without_backlog(&topic).await;

    let mut consumer = consumer_command()
        .env("KAFKA_BOOTSTRAP_SERVERS", &bootstrap)
        .env("KAFKA_TOPIC", &topic)
        .env("KAFKA_CONSUMER_GROUP", &group)
        .spawn()
        .unwrap();
    // The console consumer prints a line per record; the test counts them until it exits.
    let stdout = consumer.stdout.take().unwrap();
    let printed = tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        let mut printed = 0_u64;
        while let Ok(Some(line)) = lines.next_line().await {
            printed += u64::from(line.starts_with("Consumed event from topic"));
        }
        printed
    });

    let url = format!("ws://{}/ws?group={}", server.addr, group);
    let (mut page, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (mut other_page, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    // Joined: Stable, with the one member holding all three partitions.
    let mut last = loop {
        let view = next_look(&mut page).await;
        if view.state == GroupState::Stable
            && view.members.len() == 1
            && view.members[0].partitions.as_ref().is_some_and(|p| p.len() == 3)
        {
            break view;
        }
    };
    check(&last, None, &group, &topic);
    next_look(&mut other_page).await;
    let metrics =
        reqwest::get(format!("http://{}/metrics", server.addr)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("\nkafka_live_groups_watched 1\n"), "two pages, one watcher:\n{metrics}");
    drop(other_page);

    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("linger.ms", "5")
        .create()
        .unwrap();
    let stream_topic = topic.clone();
    let producing = tokio::spawn(async move {
        produce_paced(&producer, &stream_topic, None, "load", Paced { rate: RATE, seconds: SECONDS }).await
    });

    let mut looks = 0;
    let mut lagging_looks = 0;
    let mut max_lag = 0;
    let finished = loop {
        let view = next_look(&mut page).await;
        check(&view, Some(&last), &group, &topic);
        looks += 1;
        if view.total_lag() > 0 {
            lagging_looks += 1;
        }
        max_lag = max_lag.max(view.total_lag());
        let ends: i64 = view.partitions.iter().map(|p| p.log_end).sum();
        last = view;
        if ends == RECORDS && last.total_lag() == 0 {
            break last;
        }
        assert!(ends <= RECORDS, "more records than were produced: {last:?}");
    };
    let outcome = producing.await.unwrap().unwrap();
    assert_eq!(outcome.acknowledged, RECORDS as u64);
    println!(
        "{looks} looks over {:.1} s; {lagging_looks} of them saw lag, at most {max_lag} records",
        outcome.elapsed.as_secs_f64()
    );
    // The last look: every record committed, nothing waiting.
    let ends: BTreeMap<i32, Option<i64>> =
        finished.partitions.iter().map(|p| (p.partition, Some(p.log_end))).collect();
    assert_eq!(committed(&finished), ends);
    assert_eq!(finished.partitions.iter().map(|p| p.log_end).sum::<i64>(), RECORDS);
    assert_eq!(finished.total_lag(), 0);
    assert_eq!(finished.time_lag_ms, None);

    // SAFETY: kill(2) on the child this test spawned.
    unsafe { libc::kill(consumer.id().unwrap() as i32, libc::SIGTERM) };
    assert!(consumer.wait().await.unwrap().success());
    // The consumer printed each record once: no rebalance, no record read twice.
    assert_eq!(printed.await.unwrap(), RECORDS as u64);
    server.stop().await;
}
