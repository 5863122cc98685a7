//! Records nobody wrote through kafka-live, from a producer of the user's cluster: a header
//! name that is not UTF-8 (rdkafka 0.39 panicked on it, and the feed with it, for every page and
//! every restart), a value of control characters (six bytes each once JSON-escaped), and huge
//! headers. Each is shown safely, its frame bounded, and the feed keeps flowing; a new process
//! that reads them into its start-up backlog serves them too.

use kafka_live::wire::record::{FeedRecord, Payload};

use super::feed_client::{Account, connect, read_until_value};
use crate::common::{ServerProcess, unique};

const FORWARD_MAX: usize = 65_536;

async fn server(topic: &str) -> ServerProcess {
    let forward = FORWARD_MAX.to_string();
    ServerProcess::for_topic(
        topic,
        &[("KAFKA_PARTITIONS", Some("1")), ("KAFKA_FORWARD_MAX_BYTES", Some(&forward))],
    )
    .await
}

fn by_value<'a>(account: &'a Account, value: &str) -> &'a FeedRecord {
    account
        .records
        .iter()
        .find(|r| match &r.value {
            Some(Payload::Text(text)) => text == value || text.starts_with(value),
            _ => false,
        })
        .unwrap_or_else(|| panic!("no record {value}"))
}

fn check(account: &Account) {
    let raw = by_value(account, "raw-name");
    assert_eq!(raw.headers.len(), 1);
    assert_eq!((raw.headers[0].name.as_str(), raw.headers[0].binary_name), ("0xfffe", true));
    assert_eq!(raw.headers[0].value, Some(Payload::Text("v".into())));

    let controls = by_value(account, "\u{1}");
    let Some(Payload::Text(text)) = &controls.value else { panic!("control characters stay text") };
    assert_eq!(text.len(), FORWARD_MAX / 6, "cut where its escaped form reaches the limit");
    assert!(text.chars().all(|c| c == '\u{1}'));
    assert_eq!((controls.size, controls.cut), (1_048_576, true));

    let huge = by_value(account, "huge-headers");
    assert_eq!(huge.headers.len(), 1, "the big header uses the headers' budget");
    assert_eq!(huge.headers[0].name, "big");
    assert_eq!(huge.headers[0].value, Some(Payload::Text("y".repeat(FORWARD_MAX - 3 - 48))));
    assert_eq!((huge.omitted_headers, huge.cut), (2000, true));
    assert_eq!(huge.size, 12 + 3 + 900_000 + 8_890 + 2_000);
}

#[tokio::test]
async fn records_from_any_producer_are_shown_safely_and_the_feed_flows_on() {
    let topic = unique("odd");
    let first = server(&topic).await;
    let mut page = connect(&first.addr, "").await;
    super::outside::produce(&topic, &["--raw-header", "fffe=v", "raw-name"]).await;
    super::outside::produce(&topic, &["--fill", "1048576", "--fill-with", "01", "--hex", "01"]).await;
    super::outside::produce(&topic, &["--header-fill", "big=900000", "--headers", "2000", "huge-headers"])
        .await;
    let after = unique("after the odd ones");
    super::outside::produce(&topic, &[&after]).await;
    let mut account = Account::default();
    read_until_value(&mut page, &mut account, &after).await;
    assert_eq!(account.records.len(), 4);
    assert_eq!(account.missed, 0);
    check(&account);
    let peak_kib = first.memory_kib("VmHWM:");
    println!("server peak RSS with the odd records: {} MiB", peak_kib / 1024);
    assert_eq!(first.stop().await.code(), Some(0));

    // A new process reads the same records into its start-up backlog and serves them.
    let second = server(&topic).await;
    let mut page = connect(&second.addr, "").await;
    let mut backlog = Account::default();
    read_until_value(&mut page, &mut backlog, &after).await;
    check(&backlog);
    let later = unique("later");
    super::outside::produce(&topic, &[&later]).await;
    read_until_value(&mut page, &mut backlog, &later).await;
    assert_eq!(second.stop().await.code(), Some(0));
}
