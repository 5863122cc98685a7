//! The shared feed is supervised: killed from the inside, it starts again where it left off and
//! the next record still reaches the page; a record that fails twice is passed over, shown as
//! unreadable with its place and the reason, and counted; readiness says what the feed is doing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kafka_live::server::config::web::WebSettings;
use kafka_live::wire::record::{FeedRecord, Payload};

use super::feed_client::{Account, connect, read_until, read_until_value};
use crate::common::{TestApp, produce, settings_with, spawn_app_with_hook, unique};

fn value_is(record: &FeedRecord, text: &str) -> bool {
    record.value == Some(Payload::Text(text.to_owned()))
}

async fn readiness(app: &TestApp) -> (u16, serde_json::Value) {
    let response = reqwest::get(format!("http://{}/readyz", app.addr)).await.unwrap();
    (response.status().as_u16(), serde_json::from_str(&response.text().await.unwrap()).unwrap())
}

#[tokio::test]
async fn a_feed_that_panics_once_goes_on_where_it_left_off() {
    let topic = unique("supervised");
    let boom = unique("boom once");
    let failed = Arc::new(AtomicBool::new(false));
    let hook = {
        let (boom, failed) = (boom.clone(), Arc::clone(&failed));
        Arc::new(move |record: &FeedRecord| {
            if value_is(record, &boom) && !failed.swap(true, Ordering::SeqCst) {
                panic!("the feed fails on {boom}");
            }
        })
    };
    let app = spawn_app_with_hook(settings_with(&topic, "1", "10"), WebSettings::default(), Some(hook)).await;
    let mut page = connect(app.addr, "").await;
    let before = unique("before");
    let after = unique("after");
    for text in [&before, &boom, &after] {
        assert!(produce(&app, text).await.status().is_success());
    }
    let mut account = Account::default();
    read_until_value(&mut page, &mut account, &after).await;
    assert_eq!(account.values(), [before, boom, after], "nothing lost, nothing repeated");
    assert_eq!((account.missed, account.unreadable.len()), (0, 0));
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["feed"]["restarts"].as_u64(), body["feed"]["unreadable"].as_u64()), (Some(1), Some(0)));
}

#[tokio::test]
async fn a_record_that_fails_twice_is_passed_over_shown_and_counted() {
    let topic = unique("poison");
    let poison = unique("poison");
    let hook = {
        let poison = poison.clone();
        Arc::new(move |record: &FeedRecord| {
            if value_is(record, &poison) {
                panic!("cannot read {poison}");
            }
        })
    };
    let app = spawn_app_with_hook(settings_with(&topic, "1", "10"), WebSettings::default(), Some(hook)).await;
    let mut page = connect(app.addr, "").await;
    let before = unique("before");
    let after = unique("after");
    assert!(produce(&app, &before).await.status().is_success());
    let response = produce(&app, &poison).await;
    let receipt: kafka_live::wire::receipt::Receipt =
        serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert!(produce(&app, &after).await.status().is_success());
    let mut account = Account::default();
    read_until_value(&mut page, &mut account, &after).await;
    assert_eq!(account.values(), [before, after.clone()]);
    assert_eq!(account.unreadable.len(), 1);
    let (partition, offset, reason) = &account.unreadable[0];
    assert_eq!((*partition, *offset), (receipt.records[0].partition, receipt.records[0].offset));
    assert!(reason.starts_with("failed 2 times: panicked: cannot read"), "{reason}");
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["feed"]["restarts"].as_u64(), body["feed"]["unreadable"].as_u64()), (Some(2), Some(1)));

    // A page that opens now gets the passed-over record in its place in the backlog.
    let mut late = connect(app.addr, "").await;
    let mut late_account = Account::default();
    read_until(&mut late, &mut late_account, |a| a.caught_up).await;
    assert_eq!(late_account.unreadable.len(), 1);
    assert_eq!(late_account.values().len(), 2);
}
