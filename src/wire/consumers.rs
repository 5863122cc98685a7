//! The second half of the journey: a consumer group reading the topic on screen. What the
//! server's group watcher pushes over the page's socket (`GroupWatch`), the groups a topic has
//! (`GroupList`), and a reset of a group's offsets (`ResetTo`, its receipt and refusals).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A consumer group's id, as a page may name one: Kafka takes any string, but one the page
/// shows, puts in its address and sends back must be printable and bounded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GroupId(String);

/// Longer than any group id a person types; Kafka itself sets no limit.
pub const MAX_GROUP_ID: usize = 255;

impl GroupId {
    pub fn parse(text: &str) -> Result<Self, String> {
        let id = text.trim();
        if id.is_empty() {
            return Err("Enter a consumer group.".into());
        }
        if id.chars().count() > MAX_GROUP_ID {
            return Err(format!("A consumer group is at most {MAX_GROUP_ID} characters here."));
        }
        if id.chars().any(char::is_control) {
            return Err("A consumer group cannot hold control characters.".into());
        }
        Ok(Self(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for GroupId {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<GroupId> for String {
    fn from(id: GroupId) -> String {
        id.0
    }
}

impl std::fmt::Display for GroupId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Kafka's group states, as the panel names them: the two rebalance phases are one to a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupState {
    Stable,
    Empty,
    Rebalancing,
    /// No such group: never created, or all its offsets expired.
    Dead,
    Unknown,
}

impl GroupState {
    /// From the broker's `DescribeGroups` answer.
    pub fn from_kafka(state: &str) -> Self {
        match state {
            "Stable" => Self::Stable,
            "Empty" => Self::Empty,
            "PreparingRebalance" | "CompletingRebalance" | "AwaitingSync" => Self::Rebalancing,
            "Dead" => Self::Dead,
            _ => Self::Unknown,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Stable => "Stable",
            Self::Empty => "Empty",
            Self::Rebalancing => "Rebalancing",
            Self::Dead => "Dead",
            Self::Unknown => "Unknown",
        }
    }
}

/// One member of the group: who it is and which of the topic's partitions it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    pub client_id: String,
    pub host: String,
    /// Of the topic on screen, ascending; `None` when the broker reports no assignment (between
    /// a rebalance's phases, or a broker that does not keep it).
    pub partitions: Option<Vec<i32>>,
}

/// Where the group is on one partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionProgress {
    pub partition: i32,
    /// The next offset the group will read; `None` before it committed any.
    pub committed: Option<i64>,
    /// The oldest offset the log still holds.
    pub log_start: i64,
    /// The offset the next record will get.
    pub log_end: i64,
}

impl PartitionProgress {
    /// Where the group reads next: its committed offset or, without one, the log's start. A
    /// consumer with no offset starts where its `auto.offset.reset` says; the console consumer
    /// (like Kafka's own) starts at the earliest record, so the whole log is its lag. Kafka's
    /// `kafka-consumer-groups.sh` prints "-" there instead, which hides exactly the records a
    /// person just produced to a partition the group has not read yet.
    pub fn next_read(&self) -> i64 {
        self.committed.unwrap_or(self.log_start).max(self.log_start)
    }

    /// Records written that the group has not committed past.
    pub fn lag(&self) -> i64 {
        (self.log_end - self.next_read()).max(0)
    }

    /// Whether the group has committed past this record.
    pub fn consumed(&self, offset: i64) -> bool {
        self.committed.is_some_and(|committed| committed > offset)
    }
}

/// One look at a group on one topic, taken by the server's watcher about once a second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub group: GroupId,
    pub topic: String,
    pub state: GroupState,
    pub members: Vec<GroupMember>,
    /// Every partition of the topic, ascending.
    pub partitions: Vec<PartitionProgress>,
    /// How old the oldest unconsumed record is, in ms, at `seen_at_ms`; `None` with no lag
    /// (or when the record could not be read).
    pub time_lag_ms: Option<u64>,
    /// The server's clock when it took this look (ms since the epoch).
    pub seen_at_ms: i64,
}

#[cfg(test)]
impl GroupView {
    /// A Stable group with no members on "orders", with these committed offsets on partitions
    /// 0, 1, …, each holding `log_start..log_end`.
    pub(crate) fn for_test(group: &str, committed: &[Option<i64>], log_start: i64, log_end: i64) -> Self {
        Self {
            group: GroupId::parse(group).unwrap(),
            topic: "orders".into(),
            state: GroupState::Stable,
            members: Vec::new(),
            partitions: committed
                .iter()
                .enumerate()
                .map(|(p, committed)| PartitionProgress {
                    partition: p as i32,
                    committed: *committed,
                    log_start,
                    log_end,
                })
                .collect(),
            time_lag_ms: None,
            seen_at_ms: 0,
        }
    }
}

impl GroupView {
    pub fn total_lag(&self) -> i64 {
        self.partitions.iter().map(PartitionProgress::lag).sum()
    }

    pub fn has_offsets(&self) -> bool {
        self.partitions.iter().any(|p| p.committed.is_some())
    }

    pub fn partition(&self, partition: i32) -> Option<&PartitionProgress> {
        self.partitions.iter().find(|p| p.partition == partition)
    }

    /// What the panel says instead of the table, if anything.
    pub fn summary(&self) -> Option<String> {
        match (self.state, self.has_offsets()) {
            (GroupState::Dead, false) => Some(format!("There is no consumer group {}.", self.group)),
            (_, false) => Some(format!("{} has no committed offsets on {} yet.", self.group, self.topic)),
            _ => None,
        }
    }
}

/// What a page watching a group is told, on connect and whenever it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "watch", rename_all = "snake_case")]
pub enum GroupWatch {
    Watching(GroupView),
    /// The cluster lacks an API the panel needs (some Kafka-compatible brokers): said once,
    /// and not asked again.
    Unavailable {
        group: GroupId,
        reason: String,
    },
    /// The cluster did not answer this time; the watcher tries again.
    Failed {
        group: GroupId,
        reason: String,
    },
}

impl GroupWatch {
    pub fn group(&self) -> &GroupId {
        match self {
            Self::Watching(view) => &view.group,
            Self::Unavailable { group, .. } | Self::Failed { group, .. } => group,
        }
    }
}

/// The groups with committed offsets on a topic, for the chooser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupList {
    /// The console consumer's group (from the settings), whether or not it has offsets yet.
    pub configured: GroupId,
    /// Ascending, without `configured`.
    pub others: Vec<GroupId>,
    /// Why the list is only the configured group, when the cluster could not say more.
    pub unavailable: Option<String>,
}

impl GroupList {
    /// The configured group first, then the rest.
    pub fn all(&self) -> impl Iterator<Item = &GroupId> {
        std::iter::once(&self.configured).chain(&self.others)
    }
}

/// Where a reset moves the group on every partition of the topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum ResetTo {
    Earliest,
    Latest,
    /// The same offset on every partition; one past a partition's end is refused.
    Offset {
        offset: i64,
    },
    /// The first record at or after this time (ms since the epoch), or the end.
    Timestamp {
        ms: i64,
    },
}

impl ResetTo {
    /// From the form: `earliest`, `latest`, `offset` with a number, `timestamp` with a
    /// `datetime-local`-style value already turned into ms by the page.
    pub fn parse(kind: &str, value: &str) -> Result<Self, String> {
        let value = value.trim();
        match kind {
            "earliest" => Ok(Self::Earliest),
            "latest" => Ok(Self::Latest),
            "offset" => value
                .parse::<i64>()
                .ok()
                .filter(|offset| *offset >= 0)
                .map(|offset| Self::Offset { offset })
                .ok_or_else(|| format!("`{value}` is not an offset: enter a whole number, 0 or more.")),
            "timestamp" => value
                .parse::<i64>()
                .ok()
                .filter(|ms| *ms >= 0)
                .map(|ms| Self::Timestamp { ms })
                .ok_or_else(|| "Choose a date and time.".to_owned()),
            other => {
                Err(format!("`{other}` is not a reset position: earliest, latest, offset or timestamp."))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Earliest => "the earliest offset".into(),
            Self::Latest => "the latest offset".into(),
            Self::Offset { offset } => format!("offset {offset}"),
            Self::Timestamp { ms } => format!("the first record at or after {ms} ms"),
        }
    }
}

/// Where a reset left the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetReceipt {
    pub group: GroupId,
    pub topic: String,
    /// The committed offset per partition, ascending.
    pub offsets: Vec<(i32, i64)>,
}

/// Why a reset did not happen; nothing was committed. On the wire every kind carries its
/// sentence (`{"kind":"read_only","reason":"This kafka-live is read-only: …"}`), so a script
/// posting the form reads the same reason the page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "ErrorBody", from = "ErrorBody")]
pub enum ResetError {
    #[error("{0}")]
    Invalid(String),
    /// The group has members; Kafka lets only an empty group's offsets be set from outside.
    #[error("{0}")]
    Active(String),
    #[error("This kafka-live is read-only: resetting offsets is off.")]
    ReadOnly,
    #[error("{0}")]
    Kafka(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Server(String),
}

impl ResetError {
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 400,
            Self::ReadOnly => 403,
            Self::Active(_) => 409,
            Self::Server(_) => 500,
            Self::Unavailable(_) => 501,
            Self::Kafka(_) => 503,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct ErrorBody {
    kind: String,
    reason: String,
}

impl From<ResetError> for ErrorBody {
    fn from(error: ResetError) -> Self {
        let kind = match error {
            ResetError::Invalid(_) => "invalid",
            ResetError::Active(_) => "active",
            ResetError::ReadOnly => "read_only",
            ResetError::Kafka(_) => "kafka",
            ResetError::Unavailable(_) => "unavailable",
            ResetError::Server(_) => "server",
        };
        Self { kind: kind.into(), reason: error.to_string() }
    }
}

impl From<ErrorBody> for ResetError {
    fn from(body: ErrorBody) -> Self {
        match body.kind.as_str() {
            "invalid" => Self::Invalid(body.reason),
            "active" => Self::Active(body.reason),
            "read_only" => Self::ReadOnly,
            "kafka" => Self::Kafka(body.reason),
            "unavailable" => Self::Unavailable(body.reason),
            _ => Self::Server(body.reason),
        }
    }
}

impl FromServerFnError for ResetError {
    type Encoder = JsonEncoding;
    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        Self::Server(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_reset_says_why_on_the_wire_and_reads_back_the_same() {
        for error in [
            ResetError::ReadOnly,
            ResetError::Active("g has 1 member (Stable): stop its consumers first.".into()),
            ResetError::Invalid("Offset: not a number".into()),
        ] {
            let json = serde_json::to_string(&error).unwrap();
            assert!(
                json.contains(&format!(r#""reason":{}"#, serde_json::to_string(&error.to_string()).unwrap()))
            );
            assert_eq!(serde_json::from_str::<ResetError>(&json).unwrap(), error);
        }
        assert_eq!(
            serde_json::to_string(&ResetError::ReadOnly).unwrap(),
            r#"{"kind":"read_only","reason":"This kafka-live is read-only: resetting offsets is off."}"#
        );
    }

    fn view(state: GroupState, committed: &[Option<i64>], log_end: i64) -> GroupView {
        GroupView { state, ..GroupView::for_test("kitchen-group-1", committed, 1, log_end) }
    }

    #[test]
    fn group_ids_are_printable_and_bounded() {
        assert_eq!(GroupId::parse(" kitchen-group-1 ").unwrap().as_str(), "kitchen-group-1");
        assert_eq!(GroupId::parse("").unwrap_err(), "Enter a consumer group.");
        assert_eq!(
            GroupId::parse("a\u{7}b").unwrap_err(),
            "A consumer group cannot hold control characters."
        );
        assert!(GroupId::parse(&"g".repeat(256)).is_err());
        assert!(GroupId::parse(&"g".repeat(255)).is_ok());
        assert!(serde_json::from_str::<GroupId>("\"\"").is_err());
    }

    #[test]
    fn lag_is_the_log_end_minus_the_committed_offset_or_the_whole_log_without_a_commit() {
        let view = view(GroupState::Empty, &[Some(3), None, Some(8), Some(0)], 8);
        let lags: Vec<_> = view.partitions.iter().map(PartitionProgress::lag).collect();
        assert_eq!(lags, vec![5, 7, 0, 7], "offset 0 is gone from the log: 1 is where a read starts");
        assert_eq!(view.total_lag(), 19);
        assert!(view.partitions[0].consumed(2));
        assert!(!view.partitions[0].consumed(3));
        assert!(!view.partitions[1].consumed(0));
    }

    #[test]
    fn a_group_without_offsets_says_so_and_one_that_does_not_exist_says_that() {
        assert_eq!(
            view(GroupState::Dead, &[None], 4).summary().as_deref(),
            Some("There is no consumer group kitchen-group-1.")
        );
        assert_eq!(
            view(GroupState::Stable, &[None], 4).summary().as_deref(),
            Some("kitchen-group-1 has no committed offsets on orders yet.")
        );
        assert_eq!(view(GroupState::Empty, &[Some(4)], 4).summary(), None);
    }

    #[test]
    fn kafka_states_map_to_what_the_panel_shows() {
        let states: Vec<_> = ["Stable", "Empty", "PreparingRebalance", "CompletingRebalance", "Dead", "x"]
            .into_iter()
            .map(GroupState::from_kafka)
            .collect();
        use GroupState::*;
        assert_eq!(states, vec![Stable, Empty, Rebalancing, Rebalancing, Dead, Unknown]);
    }

    #[test]
    fn reset_positions_parse_from_the_form_and_say_what_is_wrong() {
        assert_eq!(ResetTo::parse("earliest", ""), Ok(ResetTo::Earliest));
        assert_eq!(ResetTo::parse("offset", " 12 "), Ok(ResetTo::Offset { offset: 12 }));
        assert_eq!(
            ResetTo::parse("offset", "-1").unwrap_err(),
            "`-1` is not an offset: enter a whole number, 0 or more."
        );
        assert_eq!(
            ResetTo::parse("timestamp", "1700000000000"),
            Ok(ResetTo::Timestamp { ms: 1_700_000_000_000 })
        );
        assert!(ResetTo::parse("middle", "").is_err());
    }

    #[test]
    fn a_watch_round_trips_through_json() {
        let watch = GroupWatch::Watching(view(GroupState::Stable, &[Some(1)], 2));
        let json = serde_json::to_string(&watch).unwrap();
        assert_eq!(serde_json::from_str::<GroupWatch>(&json).unwrap(), watch);
        let failed = GroupWatch::Failed { group: GroupId::parse("g").unwrap(), reason: "timed out".into() };
        assert_eq!(
            serde_json::from_str::<GroupWatch>(&serde_json::to_string(&failed).unwrap()).unwrap(),
            failed
        );
    }
}
