//! Every setting kafka-live reads, in one table: its key in `Leptos.toml`, the variable that
//! overrides it, and for numbers the default and the range. Each default is written here once;
//! `Leptos.toml` shows the same values, and a test holds the two (and the README) together.

use super::source::{Environment, SettingsError, int_setting, optional_int_setting};

/// A whole-number setting.
#[derive(Debug, Clone, Copy)]
pub struct IntKey {
    /// `table.key` in `Leptos.toml`.
    pub file: &'static str,
    pub env: &'static str,
    pub default: i64,
    pub min: i64,
    pub max: i64,
}

impl IntKey {
    /// The environment's value, else the file's, else the default; out of range is an error
    /// that names whichever key held it.
    pub fn read(&self, env: &impl Environment, file: Option<i64>) -> Result<i64, SettingsError> {
        int_setting(env, self.env, self.file, file, self.default, self.min, self.max)
    }

    /// The same without a default: `None` when neither sets it.
    pub fn read_optional(
        &self,
        env: &impl Environment,
        file: Option<i64>,
    ) -> Result<Option<i64>, SettingsError> {
        optional_int_setting(env, self.env, self.file, file, self.min, self.max)
    }
}

const MIB: i64 = 1024 * 1024;
const GIB: i64 = 1024 * MIB;

const fn int(file: &'static str, env: &'static str, default: i64, min: i64, max: i64) -> IntKey {
    IntKey { file, env, default, min, max }
}

pub const PARTITIONS: IntKey = int("kafka.partitions", "KAFKA_PARTITIONS", 3, 1, 10_000);
/// No default: unset leaves it to the broker.
pub const REPLICATION_FACTOR: IntKey = int("kafka.replication-factor", "KAFKA_REPLICATION_FACTOR", -1, 1, 32);
pub const BACKLOG: IntKey = int("kafka.backlog", "KAFKA_BACKLOG", 100, 0, 100_000);
pub const PRODUCE_TIMEOUT_MS: IntKey =
    int("kafka.produce-timeout-ms", "KAFKA_PRODUCE_TIMEOUT_MS", 10_000, 1, 600_000);
pub const FETCH_WAIT_MAX_MS: IntKey = int("kafka.fetch-wait-max-ms", "KAFKA_FETCH_WAIT_MAX_MS", 5, 0, 60_000);
pub const MAX_MESSAGE_BYTES: IntKey =
    int("kafka.max-message-bytes", "KAFKA_MAX_MESSAGE_BYTES", MIB, 1, 100 * MIB);
pub const FORWARD_MAX_BYTES: IntKey =
    int("kafka.forward-max-bytes", "KAFKA_FORWARD_MAX_BYTES", MIB, 1, 100 * MIB);
pub const SOCKET_QUEUE: IntKey = int("kafka.socket-queue", "KAFKA_SOCKET_QUEUE", 4096, 16, 1_000_000);
/// 0 turns librdkafka's statistics (and their series in `/metrics`) off.
pub const STATISTICS_INTERVAL_MS: IntKey =
    int("kafka.statistics-interval-ms", "KAFKA_STATISTICS_INTERVAL_MS", 5_000, 0, 86_400_000);
pub const SOCKET_QUEUE_BYTES: IntKey =
    int("kafka.socket-queue-bytes", "KAFKA_SOCKET_QUEUE_BYTES", 32 * MIB, MIB, 16 * GIB);

pub const MAX_SOCKETS: IntKey = int("limits.max-sockets", "KAFKA_LIVE_MAX_SOCKETS", 10_000, 1, 1_000_000);
pub const SOCKETS_PER_ADDRESS: IntKey =
    int("limits.sockets-per-address", "KAFKA_LIVE_SOCKETS_PER_ADDRESS", 1_000, 1, 1_000_000);
/// 0 turns the produce rate limit off.
pub const PRODUCE_PER_SECOND: IntKey =
    int("limits.produce-per-second", "KAFKA_LIVE_PRODUCE_PER_SECOND", 50, 0, 1_000_000);
/// Never below the rate: a burst smaller than a second's worth would lower the rate.
pub const PRODUCE_BURST: IntKey = int("limits.produce-burst", "KAFKA_LIVE_PRODUCE_BURST", 100, 1, 1_000_000);
pub const PRODUCE_BYTES_PER_SECOND: IntKey =
    int("limits.produce-bytes-per-second", "KAFKA_LIVE_PRODUCE_BYTES_PER_SECOND", 16 * MIB, 0, GIB);
pub const SUBMIT_BYTES: IntKey = int("limits.submit-bytes", "KAFKA_LIVE_SUBMIT_BYTES", 16 * MIB, 1, GIB);
pub const TOPIC_CREATES_PER_MINUTE: IntKey =
    int("limits.topic-creates-per-minute", "KAFKA_LIVE_TOPIC_CREATES_PER_MINUTE", 10, 0, 1_000_000);
pub const PAGE_READERS: IntKey = int("limits.page-readers", "KAFKA_LIVE_PAGE_READERS", 100, 0, 100_000);
pub const CATCH_UPS: IntKey = int("limits.catch-ups", "KAFKA_LIVE_CATCH_UPS", 16, 1, 10_000);
pub const DISPLAY_BYTES: IntKey =
    int("limits.display-bytes", "KAFKA_LIVE_DISPLAY_BYTES", 16 * 1024, 64, 100 * MIB);
pub const PING_INTERVAL_SECONDS: IntKey =
    int("limits.ping-interval-seconds", "KAFKA_LIVE_PING_INTERVAL_SECONDS", 20, 1, 3600);
pub const HEADER_READ_TIMEOUT_SECONDS: IntKey =
    int("limits.header-read-timeout-seconds", "KAFKA_LIVE_HEADER_READ_TIMEOUT_SECONDS", 10, 1, 3600);
pub const SHUTDOWN_DEADLINE_SECONDS: IntKey =
    int("limits.shutdown-deadline-seconds", "KAFKA_LIVE_SHUTDOWN_DEADLINE_SECONDS", 20, 1, 3600);

/// Every whole-number setting.
pub const NUMBERS: &[IntKey] = &[
    PARTITIONS,
    REPLICATION_FACTOR,
    BACKLOG,
    PRODUCE_TIMEOUT_MS,
    FETCH_WAIT_MAX_MS,
    MAX_MESSAGE_BYTES,
    FORWARD_MAX_BYTES,
    SOCKET_QUEUE,
    SOCKET_QUEUE_BYTES,
    STATISTICS_INTERVAL_MS,
    MAX_SOCKETS,
    SOCKETS_PER_ADDRESS,
    PRODUCE_PER_SECOND,
    PRODUCE_BURST,
    PRODUCE_BYTES_PER_SECOND,
    SUBMIT_BYTES,
    TOPIC_CREATES_PER_MINUTE,
    PAGE_READERS,
    CATCH_UPS,
    DISPLAY_BYTES,
    PING_INTERVAL_SECONDS,
    HEADER_READ_TIMEOUT_SECONDS,
    SHUTDOWN_DEADLINE_SECONDS,
];

/// A setting that is not a number: text, a switch, a list, a path, an address.
#[derive(Debug, Clone, Copy)]
pub struct TextKey {
    /// `table.key` in `Leptos.toml`.
    pub file: &'static str,
    pub env: &'static str,
    /// What applies when neither sets it, in words (`kafka-live --help` shows it).
    pub default: &'static str,
}

const fn text(file: &'static str, env: &'static str, default: &'static str) -> TextKey {
    TextKey { file, env, default }
}

/// Every other setting.
pub const OTHERS: &[TextKey] = &[
    text(
        "kafka.bootstrap-servers",
        "KAFKA_BOOTSTRAP_SERVERS",
        "unset: the embedded broker on 127.0.0.1:9092",
    ),
    text("kafka.client-properties", "KAFKA_CLIENT_PROPERTIES", "unset"),
    text("kafka.topic", "KAFKA_TOPIC", TOPIC_DEFAULT),
    text("kafka.consumer-group", "KAFKA_CONSUMER_GROUP", CONSUMER_GROUP_DEFAULT),
    text("kafka.schemas-dir", "KAFKA_SCHEMAS_DIR", "unset: records are not decoded with schemas"),
    text("embedded-broker.data-dir", "KAFKA_LIVE_BROKER_DATA_DIR", ".kafka-live/broker"),
    text("embedded-broker.command", "KAFKA_LIVE_NISSHI", "nisshi"),
    text("access.basic-auth", "KAFKA_LIVE_BASIC_AUTH", "unset: no credentials asked"),
    text("access.read-only", "KAFKA_LIVE_READ_ONLY", "false"),
    text("access.allowed-hosts", "KAFKA_LIVE_ALLOWED_HOSTS", "the listening address's own names"),
    text("access.allowed-origins", "KAFKA_LIVE_ALLOWED_ORIGINS", "none besides its own"),
    text("access.topics-allow", "KAFKA_LIVE_TOPICS_ALLOW", "*"),
    text("access.topics-deny", "KAFKA_LIVE_TOPICS_DENY", "none"),
    text("access.internal-topics", "KAFKA_LIVE_INTERNAL_TOPICS", "false"),
    text("access.create-topics", "KAFKA_LIVE_CREATE_TOPICS", "true"),
    text("access.export", "KAFKA_LIVE_EXPORT", "true"),
    text(super::operations::METRICS_ADDR.0, super::operations::METRICS_ADDR.1, "unset: beside the page"),
    text(super::operations::LOG_FORMAT.0, super::operations::LOG_FORMAT.1, "text"),
];

pub const TOPIC_DEFAULT: &str = "order";
pub const CONSUMER_GROUP_DEFAULT: &str = "kitchen-group-1";
