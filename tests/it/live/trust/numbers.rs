//! Every number a client can send, at 0, -1 and the i32/i64 limits: a clear refusal with its
//! status, or the right behaviour. Never a panic, never a wrap; and whatever was sent, the shared
//! feed goes on reaching every page.

use kafka_live::wire::produce::ProduceError;

use crate::common::{produce, settings_with, spawn_app_with, unique};

use super::feed_client::{Account, connect, read_until_value, refused_status};

const I32_MAX: i64 = i32::MAX as i64;

#[tokio::test]
async fn the_resume_that_overflowed_the_hub_is_refused_and_the_feed_goes_on() {
    // Reproduces the finding: `resume=0:9223372036854775807` added one to i64::MAX while the
    // hub's locks were held, and no page received a record again.
    let app = spawn_app_with(settings_with(&unique("overflow"), "1", "10")).await;
    let mut watcher = connect(app.addr, "").await;
    let first = unique("before");
    assert!(produce(&app, &first).await.status().is_success());
    read_until_value(&mut watcher, &mut Account::default(), &first).await;

    assert_eq!(refused_status(app.addr, &format!("?resume=0:{}", i64::MAX)).await, 400);
    let after = unique("after");
    assert!(produce(&app, &after).await.status().is_success());
    read_until_value(&mut watcher, &mut Account::default(), &after).await;
    let mut fresh = connect(app.addr, "").await;
    read_until_value(&mut fresh, &mut Account::default(), &after).await;
}

#[tokio::test]
async fn socket_numbers_at_their_limits_are_refused_with_400_or_served() {
    let app = spawn_app_with(settings_with(&unique("limits"), "1", "10")).await;
    let (i64_max, i64_min, i32_min) = (i64::MAX, i64::MIN, i32::MIN);
    let cases: Vec<(String, u16)> = vec![
        // resume: partition:last-offset
        ("?resume=0:0".into(), 101),
        ("?resume=0:-1".into(), 101),
        (format!("?resume=0:{}", i64_max - 1), 101),
        (format!("?resume={I32_MAX}:0"), 101),
        ("?resume=0:-2".into(), 400),
        (format!("?resume=0:{i64_max}"), 400),
        (format!("?resume=0:{i64_min}"), 400),
        ("?resume=-1:0".into(), 400),
        (format!("?resume={i32_min}:0"), 400),
        (format!("?resume={}:0", I32_MAX + 1), 400),
        (format!("?resume={i64_max}:0"), 400),
        ("?resume=0:99999999999999999999".into(), 400),
        ("?resume=0:1,0:2".into(), 400),
        // from: offsets and times
        ("?from=offset:0".into(), 101),
        (format!("?from=offset:{i64_max}"), 101),
        ("?from=offset:-1".into(), 400),
        (format!("?from=offset:{i64_min}"), 400),
        (format!("?from=offset:0={i64_max}"), 101),
        (format!("?from=offset:{I32_MAX}=0"), 101),
        (format!("?from=offset:{}=0", I32_MAX + 1), 400),
        ("?from=offset:-1=0".into(), 400),
        ("?from=time:0".into(), 101),
        (format!("?from=time:{i64_max}"), 101),
        ("?from=time:-1".into(), 400),
        (format!("?from=time:{i64_min}"), 400),
    ];
    let mut got = Vec::new();
    for (query, _) in &cases {
        got.push((query.clone(), refused_status(app.addr, query).await));
    }
    assert_eq!(got, cases);
    // Served at a limit means served right: past the end is the end, and the page catches up.
    let mut far = connect(app.addr, &format!("?from=offset:{i64_max}")).await;
    let mut account = Account::default();
    super::feed_client::read_until(&mut far, &mut account, |a| a.caught_up).await;
    assert_eq!(account.records.len(), 0);

    let after = unique("after the limits");
    assert!(produce(&app, &after).await.status().is_success());
    let mut page = connect(app.addr, "").await;
    read_until_value(&mut page, &mut Account::default(), &after).await;
    read_until_value(&mut far, &mut account, &after).await;
}

#[tokio::test]
async fn form_numbers_at_their_limits_are_refused_with_400_and_produce_nothing() {
    let topic = unique("form-limits");
    let app = spawn_app_with(settings_with(&topic, "2", "10")).await;
    let mut page = connect(app.addr, "").await;
    let text = unique("never");
    let (i64_max, i64_min) = (i64::MAX.to_string(), i64::MIN.to_string());
    let (i32_max, past_i32) = (I32_MAX.to_string(), (I32_MAX + 1).to_string());
    let u64_max = u64::MAX.to_string();
    for (field, value, status) in [
        ("partition", "-1", 400),
        ("partition", i32_max.as_str(), 400),
        ("partition", past_i32.as_str(), 400),
        ("partition", i64_max.as_str(), 400),
        ("partition", i64_min.as_str(), 400),
        ("partition", "2", 400),
        ("repeat", "0", 400),
        ("repeat", "-1", 400),
        ("repeat", "10001", 400),
        ("repeat", i32_max.as_str(), 400),
        ("repeat", i64_max.as_str(), 400),
        ("repeat", u64_max.as_str(), 400),
        ("repeat", i64_min.as_str(), 400),
    ] {
        let (got, body) = app.post_form("produce", &[("text", &text), (field, value)]).await;
        assert_eq!(got, status, "{field}={value}: {body}");
        let error: ProduceError = serde_json::from_str(&body).unwrap();
        assert!(error.to_string().contains("Nothing was produced"), "{field}={value}: {error}");
    }
    // Header rows are numbered by the form: any number is only a row's place, never a size.
    for index in [
        "0",
        "-1",
        i32_max.as_str(),
        past_i32.as_str(),
        i64_max.as_str(),
        u64_max.as_str(),
        "99999999999999999999999",
    ] {
        let (name, value) = (format!("headers[{index}][name]"), format!("headers[{index}][value]"));
        // Partition 9 of 2: a row the form takes is refused for that, and nothing is produced.
        let (got, body) = app
            .post_form("produce", &[("text", &text), (&name, "h"), (&value, "v"), ("partition", "9")])
            .await;
        assert_eq!(got, 400, "headers[{index}]: {body}");
    }
    let (status, _) = app.post_form("produce", &[("text", &text), ("partition", "0"), ("repeat", "1")]).await;
    assert_eq!(status, 200, "0 and 1 are taken");
    // Only that one: the next record on the page is it, then the sentinel.
    let sentinel = unique("sentinel");
    assert_eq!(app.post_form("produce", &[("text", &sentinel), ("partition", "0")]).await.0, 200);
    let mut account = Account::default();
    read_until_value(&mut page, &mut account, &sentinel).await;
    assert_eq!(account.values(), [text, sentinel]);
}
