//! Typed settings: `Leptos.toml`, then the environment, then an optional Confluent Cloud
//! `client.properties` file handed to librdkafka as it is.
//!
//! Loading is split from reading the process environment so that the rules can be tested
//! with any environment at all, and so that a wrong setting is reported with the exact key
//! that holds it before anything starts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rdkafka::ClientConfig;
use serde::Deserialize;

use super::client_properties::ClientProperties;
use super::keys;
use super::source::{Environment, SettingsError, location, text_setting};
use crate::server::schemas::directory::Directory;
use crate::server::schemas::source::Schemas;
use crate::wire::consumers::GroupId;

/// Where librdkafka finds the embedded broker when nothing else is configured.
pub const EMBEDDED_BOOTSTRAP: &str = "127.0.0.1:9092";

/// Keys Leptos itself reads from `[package.metadata.leptos]`; anything else there is a typo.
const LEPTOS_KEYS: &[&str] = &[
    "output-name",
    "site-root",
    "site-pkg-dir",
    "site-addr",
    "reload-port",
    "reload-external-port",
    "reload-ws-protocol",
    "env",
    "not-found-path",
    "hash-file",
    "hash-files",
];

/// The `[kafka]` table of `Leptos.toml`, exactly as written. Unknown keys are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct KafkaTable {
    bootstrap_servers: Option<String>,
    topic: Option<String>,
    partitions: Option<i64>,
    replication_factor: Option<i64>,
    backlog: Option<i64>,
    produce_timeout_ms: Option<i64>,
    consumer_group: Option<String>,
    client_properties: Option<PathBuf>,
    fetch_wait_max_ms: Option<i64>,
    max_message_bytes: Option<i64>,
    forward_max_bytes: Option<i64>,
    socket_queue: Option<i64>,
    socket_queue_bytes: Option<i64>,
    statistics_interval_ms: Option<i64>,
    schemas_dir: Option<PathBuf>,
}

/// The `[embedded-broker]` table: the local broker started when no cluster is configured.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct EmbeddedTable {
    data_dir: Option<PathBuf>,
    command: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileSettings {
    #[serde(default)]
    package: Option<PackageTable>,
    #[serde(default)]
    kafka: KafkaTable,
    #[serde(default)]
    embedded_broker: EmbeddedTable,
    #[serde(default)]
    access: crate::server::config::web::AccessTable,
    #[serde(default)]
    limits: crate::server::config::web::LimitsTable,
    #[serde(default)]
    operations: crate::server::config::operations::OperationsTable,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageTable {
    metadata: Option<MetadataTable>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataTable {
    leptos: Option<BTreeMap<String, toml::Value>>,
}

/// Where the cluster is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cluster {
    /// Nothing configured: kafka-live starts its own broker on loopback.
    Embedded(EmbeddedBroker),
    /// A cluster somebody else runs.
    External { bootstrap_servers: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedBroker {
    /// The broker's sqlite file lives here, so a restart keeps the messages.
    pub data_dir: PathBuf,
    /// The `nisshi` executable.
    pub command: String,
}

/// Everything kafka-live needs to talk to Kafka. `Debug` never shows a secret.
#[derive(Debug, Clone)]
pub struct KafkaSettings {
    pub cluster: Cluster,
    pub topic: String,
    pub partitions: i32,
    /// `None` leaves it to the broker's default (`-1` in CreateTopics).
    pub replication_factor: Option<i32>,
    pub backlog: usize,
    pub produce_timeout: Duration,
    /// The console consumer's group: the one the page's Consumers panel shows first.
    pub consumer_group: GroupId,
    pub fetch_wait_max_ms: u32,
    pub max_message_bytes: usize,
    /// The most of a record's key, value or any header value the feed forwards to a page;
    /// more is cut, and the page marks the record as cut.
    pub forward_max_bytes: usize,
    /// How many frames one WebSocket may have queued before it is told it missed some.
    pub socket_queue: usize,
    /// And how many bytes of frames the server holds for slow sockets at most (and, apart,
    /// for the backlog).
    pub socket_queue_bytes: usize,
    /// How often the producer and the feed report librdkafka's statistics to `/metrics`; 0: never.
    pub statistics_interval_ms: u32,
    /// librdkafka properties from `client.properties`, passed on untouched.
    pub properties: ClientProperties,
    /// The schemas the cluster's records are written with (`kafka.schemas-dir`), loaded and
    /// compiled once here; none unless the setting names a directory.
    pub schemas: Schemas,
}

impl KafkaSettings {
    pub fn bootstrap_servers(&self) -> &str {
        match &self.cluster {
            Cluster::Embedded(_) => EMBEDDED_BOOTSTRAP,
            Cluster::External { bootstrap_servers } => bootstrap_servers,
        }
    }

    /// The librdkafka configuration every client of this app starts from: the properties file
    /// as it is, then the bootstrap servers the settings resolved.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        for (key, value) in self.properties.iter() {
            config.set(key, value);
        }
        config.set("bootstrap.servers", self.bootstrap_servers());
        // librdkafka's own logs go through `log`-style callbacks; keep them out of stderr
        // noise but never lose errors.
        config.set_log_level(rdkafka::config::RDKafkaLogLevel::Warning);
        config
    }

    /// Where the cluster is, as a page may be told it for "Copy as …": the bootstrap servers and
    /// the security scheme, never a credential.
    pub fn connection(&self) -> crate::wire::topics::Connection {
        let property = |key: &str| self.properties.get(key).map(str::to_owned);
        crate::wire::topics::Connection {
            bootstrap_servers: self.bootstrap_servers().to_owned(),
            security_protocol: property("security.protocol")
                .filter(|protocol| !protocol.eq_ignore_ascii_case("plaintext")),
            sasl_mechanism: property("sasl.mechanism").or_else(|| property("sasl.mechanisms")),
        }
    }

    /// The same, for a client whose librdkafka statistics `/metrics` reports.
    pub fn reporting_client_config(&self) -> ClientConfig {
        let mut config = self.client_config();
        config.set("statistics.interval.ms", self.statistics_interval_ms.to_string());
        config
    }
}

/// The Kafka settings alone, for the console tools: `Leptos.toml` (or `KAFKA_LIVE_CONFIG`)
/// and the environment.
pub fn load_kafka(env: &impl Environment) -> Result<KafkaSettings, SettingsError> {
    let (path, text) = settings_text(env)?;
    kafka_from_toml(&text, &path, base_dir(&path), env)
}

pub(super) fn read(path: &Path) -> Result<String, SettingsError> {
    std::fs::read_to_string(path)
        .map_err(|source| SettingsError::Unreadable { path: path.to_owned(), source })
}

/// The settings file shipped in the repository, built into the binary: what applies when the
/// binary runs where there is no `Leptos.toml` and `KAFKA_LIVE_CONFIG` names none.
const SHIPPED: &str = include_str!("../../../Leptos.toml");

/// The settings file's path and text. A file `KAFKA_LIVE_CONFIG` names must be there; a missing
/// `Leptos.toml` in the working directory means the shipped defaults.
pub(super) fn settings_text(env: &impl Environment) -> Result<(PathBuf, String), SettingsError> {
    let path = settings_path(env);
    match read(&path) {
        Err(SettingsError::Unreadable { source, .. })
            if env.var("KAFKA_LIVE_CONFIG").is_none() && source.kind() == std::io::ErrorKind::NotFound =>
        {
            Ok((path, SHIPPED.to_owned()))
        }
        read => Ok((path, read?)),
    }
}

/// Where relative paths in the file start from.
pub(super) fn base_dir(path: &Path) -> &Path {
    path.parent().unwrap_or_else(|| Path::new("."))
}

/// The settings file's path: `KAFKA_LIVE_CONFIG`, or `Leptos.toml` in the working directory.
pub fn settings_path(env: &impl Environment) -> PathBuf {
    env.var("KAFKA_LIVE_CONFIG").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("Leptos.toml"))
}

/// Leptos' own options from the same text, read the way Leptos reads them (so
/// `LEPTOS_SITE_ADDR` and the other `LEPTOS_*` variables override the file).
pub fn leptos_from_toml(text: &str, path: &Path) -> Result<leptos::config::LeptosOptions, SettingsError> {
    leptos::config::get_config_from_str(text)
        .map_err(|error| SettingsError::Leptos { path: path.to_owned(), message: error.to_string() })
}

/// The whole file, parsed; errors name the file and the line.
fn parse_file(text: &str, path: &Path) -> Result<FileSettings, SettingsError> {
    toml::from_str(text).map_err(|error| SettingsError::Invalid {
        path: path.to_owned(),
        message: error.message().to_owned() + &location(text, error.span()),
    })
}

/// The `[operations]` table of the same file, overridden by the environment.
pub fn operations_from_toml(
    text: &str,
    path: &Path,
    env: &impl Environment,
) -> Result<crate::server::config::operations::OperationsSettings, SettingsError> {
    crate::server::config::operations::resolve(parse_file(text, path)?.operations, env)
}

/// The `[access]` and `[limits]` tables of the same file, overridden by the environment.
pub fn web_from_toml(
    text: &str,
    path: &Path,
    env: &impl Environment,
) -> Result<crate::server::config::web::WebSettings, SettingsError> {
    let file = parse_file(text, path)?;
    crate::server::config::web::resolve(file.access, file.limits, env)
}

/// The rules, on text and an environment: file values, overridden by the environment.
pub fn kafka_from_toml(
    text: &str,
    path: &Path,
    base_dir: &Path,
    env: &impl Environment,
) -> Result<KafkaSettings, SettingsError> {
    let file = parse_file(text, path)?;
    if let Some(leptos) = file.package.and_then(|p| p.metadata).and_then(|m| m.leptos)
        && let Some(unknown) = leptos.keys().find(|key| !LEPTOS_KEYS.contains(&key.as_str()))
    {
        return Err(SettingsError::Invalid {
            path: path.to_owned(),
            message: format!(
                "unknown key `package.metadata.leptos.{unknown}`, expected one of {}",
                LEPTOS_KEYS.join(", ")
            ),
        });
    }
    let kafka = file.kafka;

    let properties_source = match env.var("KAFKA_CLIENT_PROPERTIES") {
        Some(value) if !value.trim().is_empty() => {
            Some(("KAFKA_CLIENT_PROPERTIES".to_owned(), PathBuf::from(value)))
        }
        _ => kafka.client_properties.map(|file| ("kafka.client-properties".to_owned(), base_dir.join(file))),
    };
    let properties = match &properties_source {
        Some((key, file)) => ClientProperties::read(file).map_err(|source| {
            SettingsError::ClientProperties { key: key.clone(), path: file.clone(), source }
        })?,
        None => ClientProperties::default(),
    };

    let cluster =
        resolve_cluster(&kafka.bootstrap_servers, &properties, env, &file.embedded_broker, base_dir)?;

    let topic = text_setting(env, "KAFKA_TOPIC", "kafka.topic", kafka.topic, keys::TOPIC_DEFAULT)?;
    validate_topic(&topic)?;

    Ok(KafkaSettings {
        cluster,
        topic,
        partitions: keys::PARTITIONS.read(env, kafka.partitions)? as i32,
        replication_factor: keys::REPLICATION_FACTOR
            .read_optional(env, kafka.replication_factor)?
            .map(|n| n as i32),
        backlog: keys::BACKLOG.read(env, kafka.backlog)? as usize,
        produce_timeout: Duration::from_millis(
            keys::PRODUCE_TIMEOUT_MS.read(env, kafka.produce_timeout_ms)? as u64
        ),
        consumer_group: {
            let group = text_setting(
                env,
                "KAFKA_CONSUMER_GROUP",
                "kafka.consumer-group",
                kafka.consumer_group,
                keys::CONSUMER_GROUP_DEFAULT,
            )?;
            GroupId::parse(&group)
                .map_err(|message| SettingsError::BadValue { key: "kafka.consumer-group".into(), message })?
        },
        fetch_wait_max_ms: keys::FETCH_WAIT_MAX_MS.read(env, kafka.fetch_wait_max_ms)? as u32,
        max_message_bytes: keys::MAX_MESSAGE_BYTES.read(env, kafka.max_message_bytes)? as usize,
        forward_max_bytes: keys::FORWARD_MAX_BYTES.read(env, kafka.forward_max_bytes)? as usize,
        socket_queue: keys::SOCKET_QUEUE.read(env, kafka.socket_queue)? as usize,
        socket_queue_bytes: keys::SOCKET_QUEUE_BYTES.read(env, kafka.socket_queue_bytes)? as usize,
        statistics_interval_ms: keys::STATISTICS_INTERVAL_MS.read(env, kafka.statistics_interval_ms)? as u32,
        properties,
        schemas: schemas(env, kafka.schemas_dir, base_dir)?,
    })
}

/// The schema directory the setting names, loaded; a mistake in it is a settings error.
fn schemas(env: &impl Environment, file: Option<PathBuf>, base_dir: &Path) -> Result<Schemas, SettingsError> {
    let (key, dir) = match env.var("KAFKA_SCHEMAS_DIR").filter(|v| !v.trim().is_empty()) {
        Some(dir) => ("KAFKA_SCHEMAS_DIR", PathBuf::from(dir)),
        None => match file {
            Some(dir) => ("kafka.schemas-dir", base_dir.join(dir)),
            None => return Ok(Schemas::default()),
        },
    };
    Directory::load(&dir)
        .map_err(|error| SettingsError::BadValue { key: key.into(), message: error.to_string() })
}

fn resolve_cluster(
    file_bootstrap: &Option<String>,
    properties: &ClientProperties,
    env: &impl Environment,
    embedded: &EmbeddedTable,
    base_dir: &Path,
) -> Result<Cluster, SettingsError> {
    let non_empty =
        |value: &Option<String>| value.as_ref().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if let Some(servers) = non_empty(&env.var("KAFKA_BOOTSTRAP_SERVERS")) {
        return Ok(Cluster::External { bootstrap_servers: servers });
    }
    let from_file = non_empty(file_bootstrap);
    let from_properties = non_empty(&properties.get("bootstrap.servers").map(str::to_owned));
    match (from_file, from_properties) {
        (Some(_), Some(_)) => Err(SettingsError::BadValue {
            key: "kafka.bootstrap-servers".into(),
            message: "the client properties file sets `bootstrap.servers` too; keep one of them \
                      (or set KAFKA_BOOTSTRAP_SERVERS, which overrides both)"
                .into(),
        }),
        (Some(servers), None) | (None, Some(servers)) => Ok(Cluster::External { bootstrap_servers: servers }),
        (None, None) => {
            let data_dir = env
                .var("KAFKA_LIVE_BROKER_DATA_DIR")
                .map(PathBuf::from)
                .or_else(|| embedded.data_dir.as_ref().map(|dir| base_dir.join(dir)))
                .unwrap_or_else(|| base_dir.join(".kafka-live/broker"));
            let command = env
                .var("KAFKA_LIVE_NISSHI")
                .or_else(|| embedded.command.clone())
                .unwrap_or_else(|| "nisshi".to_owned());
            Ok(Cluster::Embedded(EmbeddedBroker { data_dir, command }))
        }
    }
}

/// Kafka's own rule for topic names, checked here so the error names the setting.
fn validate_topic(topic: &str) -> Result<(), SettingsError> {
    let valid_chars = topic.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if topic.len() > 249 || !valid_chars || topic == "." || topic == ".." {
        return Err(SettingsError::BadValue {
            key: "kafka.topic".into(),
            message: format!(
                "`{topic}` is not a valid Kafka topic name (ASCII letters, digits, `.`, `_`, `-`; at most 249)"
            ),
        });
    }
    Ok(())
}
