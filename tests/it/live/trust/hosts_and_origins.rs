//! Who may talk to the server, and how long they may hold it: the Host allow-list against DNS
//! rebinding, origins behind a proxy, the per-address socket cap, pings that must be answered,
//! headers that must arrive, catch-ups that take turns, and a shutdown with a deadline.

use std::time::Duration;

use futures::StreamExt;
use kafka_live::server::config::web::WebSettings;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};

use super::feed_client::{Account, connect, read_until, read_until_value};
use crate::common::{ServerProcess, produce, settings_with, spawn_app_with_web, unique};

/// The status of a raw HTTP/1.1 request with the headers given, as a browser on another site
/// (or a rebinding attacker) would send them.
async fn raw_status(addr: std::net::SocketAddr, request: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = vec![0; 12];
    stream.read_exact(&mut head).await.unwrap();
    String::from_utf8_lossy(&head[9..12]).parse().unwrap()
}

async fn upgrade_status(addr: std::net::SocketAddr, headers: &[(&'static str, String)]) -> u16 {
    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.parse().unwrap());
    }
    let stream = TcpStream::connect(addr).await.unwrap();
    match tokio_tungstenite::client_async(request, stream).await {
        Ok(_) => 101,
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test]
async fn a_request_for_another_host_name_is_refused_before_anything_is_served() {
    // The finding: `Host: rebind.example:3000` with the matching Origin was served: the produce
    // answered 200 and the socket upgraded.
    let app = spawn_app_with_web(settings_with(&unique("rebind"), "1", "0"), WebSettings::default()).await;
    app.ready().await;
    let port = app.addr.port();
    let rebind = format!("rebind.example:{port}");
    let origin = format!("http://{rebind}");
    let page = format!("GET / HTTP/1.1\r\nHost: {rebind}\r\nConnection: close\r\n\r\n");
    let post = format!(
        "POST /api/produce HTTP/1.1\r\nHost: {rebind}\r\nOrigin: {origin}\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntext=evil"
    );
    assert_eq!(raw_status(app.addr, &page).await, 403);
    assert_eq!(raw_status(app.addr, &post).await, 403);
    assert_eq!(upgrade_status(app.addr, &[("host", rebind.clone()), ("origin", origin)]).await, 403);
    // Its own names are served.
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let page = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        assert_eq!(raw_status(app.addr, &page).await, 200, "{host}");
        assert_eq!(
            upgrade_status(app.addr, &[("host", host.clone()), ("origin", format!("http://{host}"))]).await,
            101
        );
    }
    // Nothing the refused POST carried reached the topic: the page's next record is this one.
    let mut page = connect(app.addr, "").await;
    let sentinel = unique("sentinel");
    assert!(produce(&app, &sentinel).await.status().is_success());
    let mut account = Account::default();
    read_until_value(&mut page, &mut account, &sentinel).await;
    assert_eq!(account.values(), [sentinel]);
}

#[tokio::test]
async fn origins_behind_a_proxy_are_compared_by_scheme_host_and_port() {
    let web = WebSettings {
        allowed_origins: vec![
            kafka_live::server::http::origin::Origin::parse("https://kafka.example.com").unwrap(),
        ],
        ..WebSettings::default()
    };
    let app = spawn_app_with_web(settings_with(&unique("proxied"), "1", "0"), web).await;
    let host = format!("127.0.0.1:{}", app.addr.port());
    let post = |origin: &str| {
        format!(
            "POST /api/produce HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 6\r\nConnection: close\r\n\r\ntext=v"
        )
    };
    assert_eq!(raw_status(app.addr, &post("https://kafka.example.com")).await, 200);
    assert_eq!(raw_status(app.addr, &post("https://kafka.example.com:443")).await, 200);
    assert_eq!(raw_status(app.addr, &post("http://kafka.example.com")).await, 403);
    assert_eq!(raw_status(app.addr, &post("https://kafka.example.com:8443")).await, 403);
    assert_eq!(raw_status(app.addr, &post("https://evil.example")).await, 403);
    let upgrade = |origin: &str| vec![("host", host.clone()), ("origin", origin.to_owned())];
    assert_eq!(upgrade_status(app.addr, &upgrade("https://kafka.example.com")).await, 101);
    assert_eq!(upgrade_status(app.addr, &upgrade("http://kafka.example.com")).await, 403);
}

#[tokio::test]
async fn one_address_cannot_take_every_socket() {
    let web = WebSettings { sockets_per_address: 2, ..WebSettings::default() };
    let app = spawn_app_with_web(settings_with(&unique("per-address"), "1", "0"), web).await;
    let _first = connect(app.addr, "").await;
    let _second = connect(app.addr, "").await;
    assert_eq!(super::feed_client::refused_status(app.addr, "").await, 429);
    // Another address (the loopback network has many) has its own share.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let stream = socket.connect(app.addr).await.unwrap();
    let (mut other, _) =
        tokio_tungstenite::client_async(format!("ws://{}/ws", app.addr), stream).await.unwrap();
    let mut account = Account::default();
    super::feed_client::read_until(&mut other, &mut account, |a| a.caught_up).await;
}

/// A WebSocket client that reads what the server sends and never answers anything, pings
/// included: frames parsed by hand, until the server's close frame.
async fn silent_client_until_close(addr: std::net::SocketAddr) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let handshake = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(handshake.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(stream.read_u8().await.unwrap());
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    loop {
        let opcode = stream.read_u8().await.unwrap() & 0x0f;
        let length = match stream.read_u8().await.unwrap() & 0x7f {
            126 => u64::from(stream.read_u16().await.unwrap()),
            127 => stream.read_u64().await.unwrap(),
            n => u64::from(n),
        };
        let mut payload = vec![0; length as usize];
        stream.read_exact(&mut payload).await.unwrap();
        if opcode == 0x8 {
            let code = u16::from_be_bytes([payload[0], payload[1]]);
            return (code, String::from_utf8_lossy(&payload[2..]).into_owned());
        }
    }
}

#[tokio::test]
async fn a_socket_that_answers_no_ping_is_closed_and_the_others_flow_on() {
    let web = WebSettings { ping_interval: Duration::from_secs(2), ..WebSettings::default() };
    let app = spawn_app_with_web(settings_with(&unique("pings"), "1", "0"), web).await;
    app.ready().await;
    // This one reads, and so answers every ping, all along: until a record produced after the
    // silent one was closed reaches it.
    let live = connect(app.addr, "").await;
    let value = unique("after the silent one went");
    let reading = {
        let value = value.clone();
        tokio::spawn(async move {
            let mut live = live;
            read_until_value(&mut live, &mut Account::default(), &value).await;
        })
    };
    let closed = tokio::time::timeout(Duration::from_secs(30), silent_client_until_close(app.addr)).await;
    assert_eq!(
        closed.expect("the server closes a socket that answers no ping"),
        (1001, "no answer to pings".to_owned())
    );
    assert!(produce(&app, &value).await.status().is_success());
    reading.await.unwrap();
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let topic = unique("slowloris");
    let server =
        ServerProcess::for_topic(&topic, &[("KAFKA_LIVE_HEADER_READ_TIMEOUT_SECONDS", Some("1"))]).await;
    let addr: std::net::SocketAddr = server.addr.parse().unwrap();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1").await.unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), slow.read_to_end(&mut rest)).await;
    assert!(matches!(read, Ok(Ok(_))), "the server closes the connection: {read:?}");
    let answer = String::from_utf8_lossy(&rest);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    let whole = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    assert_eq!(raw_status(addr, whole).await, 200, "a client that sends its headers is served");
    assert_eq!(server.stop().await.code(), Some(0));
}

#[tokio::test]
async fn catch_ups_take_turns_and_a_page_asked_to_come_back_loses_nothing() {
    let web = WebSettings {
        catch_ups: 1,
        produce_rate: None,
        produce_bytes_per_second: 0,
        ..WebSettings::default()
    };
    let app = spawn_app_with_web(settings_with(&unique("catch-ups"), "1", "0"), web).await;
    app.ready().await;
    // With no backlog, this page sees only what is produced after it: its last record says the
    // feed has published everything.
    let mut watcher = connect(app.addr, "").await;
    let big = "c".repeat(64 * 1024);
    for _ in 0..2 {
        let response = reqwest::Client::new()
            .post(format!("http://{}/api/produce", app.addr))
            .header("Accept", "application/json")
            .form(&[("text", big.as_str()), ("repeat", "200")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let last = unique("last");
    assert!(produce(&app, &last).await.status().is_success());
    read_until_value(&mut watcher, &mut Account::default(), &last).await;
    // This page catches up 25 MiB from Kafka and stops reading after its first frame: its
    // catch-up holds the one slot while its socket is full.
    let mut hog = connect(app.addr, "?resume=0:-1").await;
    assert!(matches!(hog.next().await, Some(Ok(Message::Text(_)))));
    let mut turned_away = connect(app.addr, "?resume=0:-1").await;
    match tokio::time::timeout(Duration::from_secs(30), turned_away.next()).await {
        Ok(Some(Ok(Message::Close(Some(frame))))) => {
            assert_eq!(
                (frame.code, frame.reason.as_str()),
                (CloseCode::Again, "too many pages are catching up; try again")
            )
        }
        other => panic!("expected to be asked to come back, got {other:?}"),
    }
    drop(hog);
    // Coming back with the same resume (as the page does, after its backoff), it gets every
    // record, once. The hog's catch-up ends once its socket's send times out.
    let mut back = loop {
        let mut socket = connect(app.addr, "?resume=0:-1").await;
        match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
            Ok(Some(Ok(Message::Close(_)))) => tokio::time::sleep(Duration::from_millis(250)).await,
            // The first frame is the broker's or the feed's state, never a record.
            Ok(Some(Ok(Message::Text(text)))) if !text.contains(r#""type":"record""#) => break socket,
            other => panic!("{other:?}"),
        }
    };
    let mut account = Account::default();
    read_until_value(&mut back, &mut account, &last).await;
    assert_eq!((account.records.len(), account.missed), (401, 0));
    assert_eq!(account.records.iter().map(|r| r.offset).collect::<Vec<_>>(), (0..401).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_slow_request_cannot_keep_the_server_from_stopping() {
    let topic = unique("deadline");
    let server =
        ServerProcess::for_topic(&topic, &[("KAFKA_LIVE_SHUTDOWN_DEADLINE_SECONDS", Some("2"))]).await;
    let addr: std::net::SocketAddr = server.addr.parse().unwrap();
    // A produce whose body never finishes arriving: the request is in flight for ever.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(
        b"POST /api/produce HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ntext=slow",
    )
    .await
    .unwrap();
    let mut page = connect(addr, "").await;
    read_until(&mut page, &mut Account::default(), |a| a.caught_up).await;
    let status = server.stop().await;
    assert_eq!(status.code(), Some(0), "SIGTERM stops it within its deadline: {status:?}");
    drop(slow);
}
