//! What the benchmarks share: the broker they run on, the real server as a child process
//! (so its CPU and memory are its own, not the load generator's), and the one way a figure
//! is printed beside its target.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kafka_live::server::config::settings::{KafkaSettings, kafka_from_toml};

/// Apache Kafka from `scripts/kafka` unless `KAFKA_BOOTSTRAP_SERVERS` names another broker.
pub fn bootstrap() -> String {
    std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:19092".into())
}

/// A whole-number knob from the environment, so a run can be scaled without a rebuild.
pub fn knob(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text.parse().unwrap_or_else(|_| panic!("{name}={text} is not a whole number")),
        Err(_) => default,
    }
}

/// A topic no earlier run used.
pub fn unique(name: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("bench-{name}-{}-{nanos}", std::process::id())
}

pub fn settings(bootstrap: &str, topic: &str, partitions: u32) -> KafkaSettings {
    let partitions = partitions.to_string();
    let env = BTreeMap::from([
        ("KAFKA_BOOTSTRAP_SERVERS", bootstrap),
        ("KAFKA_TOPIC", topic),
        ("KAFKA_PARTITIONS", partitions.as_str()),
    ]);
    kafka_from_toml("", Path::new("bench.toml"), Path::new("."), &env).expect("bench settings")
}

/// The producer configuration the app itself uses, for baselines that must be like for like.
/// Creates the bench topic with `partitions` unless it exists.
pub async fn create_topic(bootstrap: &str, topic: &str, partitions: u32) {
    use kafka_live::server::kafka::catalogue::{NewTopicShape, TopicCatalogue};
    let catalogue = TopicCatalogue::new(&settings(bootstrap, topic, partitions)).expect("an admin client");
    let shape = NewTopicShape { partitions: partitions as i32, replication_factor: None };
    catalogue.ensure_topic(topic, shape).await.expect("the bench topic exists");
}

pub fn producer_config(bootstrap: &str) -> rdkafka::ClientConfig {
    let mut config = rdkafka::ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("linger.ms", "0")
        .set("socket.nagle.disable", "true");
    config
}

/// Prints one figure with its target; the line ends in ` ok` or ` MISS`.
pub fn verdict(figure: &str, holds: bool) {
    println!("{figure} {}", if holds { "ok" } else { "MISS" });
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The integration tests' helpers: benchmarks share their set-up rules.
#[path = "../../tests/it/common/mod.rs"]
mod common;
#[allow(unused_imports)]
pub use common::raise_open_file_limit;

pub fn open_file_limit() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: as above.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    limit.rlim_cur
}

/// The real `kafka-live` binary (built with this bench's profile), on a free port: the
/// tests' `ServerProcess`, plus the CPU time a benchmark reports.
pub struct Server {
    process: common::ServerProcess,
    pub addr: String,
    pid: u32,
}

impl Server {
    pub async fn start(env: &[(&str, &str)]) -> Self {
        let mut env: Vec<(&str, Option<&str>)> =
            env.iter().map(|(key, value)| (*key, Some(*value))).collect();
        env.push(("RUST_LOG", Some("warn,kafka_live=info")));
        env.push(("KAFKA_CLIENT_PROPERTIES", None));
        let process = common::ServerProcess::start(&env).await;
        let (addr, pid) = (process.addr.clone(), process.child.id().unwrap());
        Self { process, addr, pid }
    }

    /// Resident memory now, and the peak since start (VmRSS, VmHWM), in bytes.
    pub fn memory(&self) -> (u64, u64) {
        (self.process.memory_kib("VmRSS:") * 1024, self.process.memory_kib("VmHWM:") * 1024)
    }

    /// CPU time used so far, user plus system.
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap();
        // The command name may hold spaces; the fields after its closing parenthesis do not.
        let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // SAFETY: sysconf with a valid name.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        Duration::from_secs_f64(ticks as f64 / per_second)
    }

    pub async fn stop(self) {
        self.process.stop().await;
    }
}
