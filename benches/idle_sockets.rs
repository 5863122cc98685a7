//! Idle sockets: the server's resident memory with none and with N idle WebSocket clients.
//!
//!   target: ≤ 16 KiB per socket
//!
//! `cargo bench --features ssr --bench idle_sockets`; BENCH_SOCKETS (5000) scales it,
//! KAFKA_BOOTSTRAP_SERVERS picks the broker.

mod support;

use std::time::Duration;

use futures::StreamExt;
use support::{Server, kib, knob, mib, verdict};

const TARGET_PER_SOCKET: u64 = 16 * 1024;

/// RSS after the server has had a moment to settle (allocator, lazily started threads).
async fn settled_rss(server: &Server) -> u64 {
    tokio::time::sleep(Duration::from_secs(3)).await;
    server.memory().0
}

#[tokio::main]
async fn main() {
    let bootstrap = support::bootstrap();
    let sockets = knob("BENCH_SOCKETS", 5000);
    support::raise_open_file_limit(2 * sockets + 1024);
    // Each socket is two descriptors here (client) and one in the server.
    assert!(
        support::open_file_limit() > sockets + 200,
        "the open-file limit ({}) is too low for {sockets} sockets: raise `ulimit -n`",
        support::open_file_limit()
    );

    let topic = support::unique("idle");
    // Every socket comes from this one address: the per-address cap is for people.
    let cap = (sockets + 1).to_string();
    let server = Server::start(&[
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
        ("KAFKA_TOPIC", &topic),
        ("KAFKA_LIVE_SOCKETS_PER_ADDRESS", &cap),
    ])
    .await;
    let url = format!("ws://{}/ws", server.addr);
    let before = settled_rss(&server).await;

    let mut open = Vec::with_capacity(sockets as usize);
    for _ in 0..sockets {
        let (socket, _) = tokio_tungstenite::connect_async(&url).await.expect("the socket opens");
        // Keep reading so pings are answered and the server sees a live, idle client.
        let (_, mut read) = socket.split();
        open.push(tokio::spawn(async move { while read.next().await.is_some() {} }));
    }
    let after = settled_rss(&server).await;
    let per_socket = after.saturating_sub(before) / sockets;
    server.stop().await;
    drop(open);

    println!(
        "idle sockets on {bootstrap}: server RSS {} with no socket, {} with {sockets} (no target)",
        mib(before),
        mib(after)
    );
    verdict(
        &format!("idle sockets: {} per socket, target <= {}", kib(per_socket), kib(TARGET_PER_SOCKET)),
        per_socket <= TARGET_PER_SOCKET,
    );
}
