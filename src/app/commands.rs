//! "Copy as …": a record, the producer form, or the view as the command that does the same
//! from a terminal, with `kcat` or Apache Kafka's console tools (the 4.x flags:
//! `--reader-property`, `--formatter-property`, `--command-property`).
//!
//! The commands use the cluster's bootstrap servers and put placeholders where secrets go: the
//! page never has them. Pure functions, tested without a browser.

use crate::wire::record::{FeedRecord, Payload};
use crate::wire::start_position::{OffsetSpec, StartFrom};
use crate::wire::topics::Connection;

/// One record to produce, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextRecord {
    pub key: Option<String>,
    pub headers: Vec<(String, String)>,
    /// `None`: a tombstone.
    pub value: Option<String>,
    /// `None`: the partitioner's choice.
    pub partition: Option<i32>,
}

impl TextRecord {
    /// A record of the feed, when a command line can send it again: whole, and text.
    pub fn from_record(record: &FeedRecord) -> Result<Self, String> {
        if record.cut {
            return Err("The server cut this record; a command would not send all of it.".into());
        }
        let text = |payload: &Option<Payload>, what: &str| match payload {
            None => Ok(None),
            Some(Payload::Text(text)) => Ok(Some(text.clone())),
            Some(Payload::Binary(_)) => {
                Err(format!("This record's {what} is binary; a command line sends text."))
            }
        };
        let mut headers = Vec::new();
        for header in &record.headers {
            if header.binary_name {
                return Err("A header name is binary; a command line sends text.".into());
            }
            let value = text(&header.value, "header value")?
                .ok_or("A header value is null; the console tools cannot send one.")?;
            headers.push((header.name.clone(), value));
        }
        Ok(Self {
            key: text(&record.key, "key")?,
            headers,
            value: text(&record.value, "value")?,
            partition: Some(record.partition),
        })
    }
}

pub const KEY_PLACEHOLDER: &str = "<API_KEY>";
pub const SECRET_PLACEHOLDER: &str = "<API_SECRET>";

/// `printf '%s\n' 'line' | kafka-console-producer.sh …`. Kafka's line reader cannot pin a
/// partition: a keyed record lands where Java's partitioner puts its key, as kafka-live's does.
pub fn console_producer(connection: &Connection, topic: &str, record: &TextRecord) -> Result<String, String> {
    one_line(record)?;
    let mut line = String::new();
    let mut args = console_tool("kafka-console-producer.sh", connection, topic);
    let property = |args: &mut Vec<String>, key: &str, value: &str| {
        args.push("--reader-property".into());
        args.push(quote(&format!("{key}={value}")));
    };
    // Every separator differs from the others and from anything in the text it separates.
    let mut taken: Vec<&'static str> = Vec::new();
    if !record.headers.is_empty() {
        let section: String = record.headers.iter().map(|(n, v)| format!("{n}{v}")).collect();
        let names: String = record.headers.iter().map(|(n, _)| n.as_str()).collect();
        let key_separator = separator(&[&names], &taken)?;
        taken.push(key_separator);
        let pair_separator = separator(&[&section], &taken)?;
        taken.push(pair_separator);
        let delimiter = separator(&[&section], &taken)?;
        taken.push(delimiter);
        property(&mut args, "parse.headers", "true");
        property(&mut args, "headers.delimiter", delimiter);
        property(&mut args, "headers.separator", pair_separator);
        property(&mut args, "headers.key.separator", key_separator);
        let pairs: Vec<String> =
            record.headers.iter().map(|(n, v)| format!("{n}{key_separator}{v}")).collect();
        line.push_str(&pairs.join(pair_separator));
        line.push_str(delimiter);
    }
    if let Some(key) = &record.key {
        let key_separator = separator(&[key], &taken)?;
        property(&mut args, "parse.key", "true");
        property(&mut args, "key.separator", key_separator);
        line.push_str(key);
        line.push_str(key_separator);
    }
    match &record.value {
        Some(value) => line.push_str(value),
        None => {
            property(&mut args, "null.marker", NULL_MARKER);
            line.push_str(NULL_MARKER);
        }
    }
    args.extend(console_security(connection));
    Ok(format!("printf '%s\\n' {} | {}", quote(&line), args.join(" ")))
}

/// `printf '%s\n' 'value' | kcat -P …`.
pub fn kcat_producer(connection: &Connection, topic: &str, record: &TextRecord) -> Result<String, String> {
    one_line(record)?;
    let mut args = kcat("-P", connection, topic);
    if let Some(partition) = record.partition {
        args.extend(["-p".into(), partition.to_string()]);
    }
    if let Some(key) = &record.key {
        args.extend(["-k".into(), quote(key)]);
    }
    for (name, value) in &record.headers {
        if name.contains('=') {
            return Err(format!("kcat cannot send a header name with `=` in it (`{name}`)."));
        }
        args.extend(["-H".into(), quote(&format!("{name}={value}"))]);
    }
    if record.value.is_none() {
        // An empty line, sent as a null value.
        args.push("-Z".into());
    }
    args.extend(kcat_security(connection));
    Ok(format!("printf '%s\\n' {} | {}", quote(record.value.as_deref().unwrap_or("")), args.join(" ")))
}

/// The view: this topic from where the feed starts, with keys, headers and timestamps.
pub fn kcat_consumer(connection: &Connection, topic: &str, from: &StartFrom) -> Result<String, String> {
    let mut args = kcat("-C", connection, topic);
    match from {
        StartFrom::Newest => args.extend(["-o".into(), "end".into()]),
        StartFrom::Earliest => args.extend(["-o".into(), "beginning".into()]),
        StartFrom::Offsets(OffsetSpec::Every(offset)) => args.extend(["-o".into(), offset.to_string()]),
        StartFrom::Offsets(OffsetSpec::Each(offsets)) => match offsets.iter().collect::<Vec<_>>()[..] {
            [(partition, offset)] => {
                args.extend(["-p".into(), partition.to_string(), "-o".into(), offset.to_string()])
            }
            _ => return Err("kcat reads one partition from an offset; choose one partition.".into()),
        },
        StartFrom::Timestamp(ms) => args.extend(["-o".into(), format!("s@{ms}")]),
    }
    args.extend(["-f".into(), quote("%p:%o %T %h %k: %s\\n")]);
    args.extend(kcat_security(connection));
    Ok(args.join(" "))
}

pub fn console_consumer(connection: &Connection, topic: &str, from: &StartFrom) -> Result<String, String> {
    let mut args = console_tool("kafka-console-consumer.sh", connection, topic);
    match from {
        StartFrom::Newest => {}
        StartFrom::Earliest => args.push("--from-beginning".into()),
        StartFrom::Offsets(OffsetSpec::Each(offsets)) if offsets.len() == 1 => {
            let (partition, offset) = offsets.iter().next().map(|(p, o)| (*p, *o)).unwrap_or_default();
            args.extend(["--partition".into(), partition.to_string(), "--offset".into(), offset.to_string()]);
        }
        StartFrom::Offsets(_) => {
            return Err(
                "kafka-console-consumer.sh reads one partition from an offset; choose one partition.".into(),
            );
        }
        StartFrom::Timestamp(_) => {
            return Err("kafka-console-consumer.sh cannot start at a time; copy as kcat instead.".into());
        }
    }
    for property in [
        "print.partition=true",
        "print.offset=true",
        "print.timestamp=true",
        "print.headers=true",
        "print.key=true",
    ] {
        args.extend(["--formatter-property".into(), property.into()]);
    }
    args.extend(console_security(connection));
    Ok(args.join(" "))
}

/// `kcat -P|-C -b SERVERS -t TOPIC`.
fn kcat(mode: &str, connection: &Connection, topic: &str) -> Vec<String> {
    ["kcat", mode, "-b", &quote(&connection.bootstrap_servers), "-t", &quote(topic)]
        .map(str::to_owned)
        .to_vec()
}

/// `kafka-console-….sh --bootstrap-server SERVERS --topic TOPIC`.
fn console_tool(tool: &str, connection: &Connection, topic: &str) -> Vec<String> {
    [tool, "--bootstrap-server", &quote(&connection.bootstrap_servers), "--topic", &quote(topic)]
        .map(str::to_owned)
        .to_vec()
}

const NULL_MARKER: &str = "<null>";

fn one_line(record: &TextRecord) -> Result<(), String> {
    let parts =
        record.key.iter().chain(record.value.iter()).chain(record.headers.iter().flat_map(|(n, v)| [n, v]));
    for part in parts {
        if part.contains(['\n', '\r']) {
            return Err("A command line sends one line per record; this record has a line break.".into());
        }
    }
    Ok(())
}

/// A separator that `texts` do not contain, and not one of `taken`.
fn separator(texts: &[&str], taken: &[&str]) -> Result<&'static str, String> {
    const CANDIDATES: [&str; 8] = ["|", ";", "^", "~", "#", "%", "!", "@"];
    CANDIDATES
        .into_iter()
        .find(|c| !taken.contains(c) && texts.iter().all(|t| !t.contains(c)))
        .ok_or_else(|| "Every separator the console producer could use is in this record's text.".into())
}

fn kcat_security(connection: &Connection) -> Vec<String> {
    let Some(protocol) = &connection.security_protocol else { return Vec::new() };
    let mut args = vec!["-X".to_owned(), quote(&format!("security.protocol={protocol}"))];
    if let Some(mechanism) = &connection.sasl_mechanism {
        for setting in [
            format!("sasl.mechanisms={mechanism}"),
            format!("sasl.username={KEY_PLACEHOLDER}"),
            format!("sasl.password={SECRET_PLACEHOLDER}"),
        ] {
            args.extend(["-X".to_owned(), quote(&setting)]);
        }
    }
    args
}

fn console_security(connection: &Connection) -> Vec<String> {
    let Some(protocol) = &connection.security_protocol else { return Vec::new() };
    let mut settings = vec![format!("security.protocol={protocol}")];
    if let Some(mechanism) = &connection.sasl_mechanism {
        settings.push(format!("sasl.mechanism={mechanism}"));
        if mechanism.eq_ignore_ascii_case("PLAIN") {
            settings.push(format!(
                "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"{KEY_PLACEHOLDER}\" password=\"{SECRET_PLACEHOLDER}\";"
            ));
        }
    }
    settings.into_iter().flat_map(|s| ["--command-property".to_owned(), quote(&s)]).collect()
}

/// For a POSIX shell: as it is when it is plain, else in single quotes.
pub fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | ':' | ',' | '-' | '=' | '@'));
    if plain { text.to_owned() } else { format!("'{}'", text.replace('\'', "'\\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> Connection {
        Connection { bootstrap_servers: "127.0.0.1:9092".into(), ..Connection::default() }
    }

    fn record() -> TextRecord {
        TextRecord {
            key: Some("k 1".into()),
            headers: vec![("source".into(), "page".into())],
            value: Some("it's hot".into()),
            partition: Some(2),
        }
    }

    #[test]
    fn the_console_producer_gets_one_line_with_headers_key_and_value() {
        assert_eq!(
            console_producer(&local(), "orders", &record()).unwrap(),
            "printf '%s\\n' 'source|page^k 1~it'\\''s hot' | kafka-console-producer.sh --bootstrap-server 127.0.0.1:9092 \
             --topic orders --reader-property parse.headers=true --reader-property 'headers.delimiter=^' \
             --reader-property 'headers.separator=;' --reader-property 'headers.key.separator=|' \
             --reader-property parse.key=true --reader-property 'key.separator=~'"
        );
        let plain = TextRecord { value: Some("hello".into()), ..TextRecord::default() };
        assert_eq!(
            console_producer(&local(), "t", &plain).unwrap(),
            "printf '%s\\n' hello | kafka-console-producer.sh --bootstrap-server 127.0.0.1:9092 --topic t"
        );
    }

    #[test]
    fn separators_avoid_what_the_record_holds() {
        let record =
            TextRecord { key: Some("a|b;c".into()), value: Some("v".into()), ..TextRecord::default() };
        let command = console_producer(&local(), "t", &record).unwrap();
        assert!(command.contains("'key.separator=^'"), "{command}");
        assert!(command.starts_with("printf '%s\\n' 'a|b;c^v'"), "{command}");
    }

    #[test]
    fn kcat_pins_the_partition_and_sends_headers() {
        assert_eq!(
            kcat_producer(&local(), "orders", &record()).unwrap(),
            "printf '%s\\n' 'it'\\''s hot' | kcat -P -b 127.0.0.1:9092 -t orders -p 2 -k 'k 1' -H source=page"
        );
    }

    #[test]
    fn a_line_break_cannot_be_typed_on_a_command_line() {
        let record = TextRecord { value: Some("a\nb".into()), ..TextRecord::default() };
        assert!(console_producer(&local(), "t", &record).is_err());
        assert!(kcat_producer(&local(), "t", &record).is_err());
    }

    #[test]
    fn secrets_are_placeholders() {
        let cloud = Connection {
            bootstrap_servers: "pkc.confluent.cloud:9092".into(),
            security_protocol: Some("SASL_SSL".into()),
            sasl_mechanism: Some("PLAIN".into()),
        };
        let plain = TextRecord { value: Some("v".into()), ..TextRecord::default() };
        let kcat = kcat_producer(&cloud, "t", &plain).unwrap();
        assert!(kcat.ends_with("-X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN -X 'sasl.username=<API_KEY>' -X 'sasl.password=<API_SECRET>'"), "{kcat}");
        let console = console_consumer(&cloud, "t", &StartFrom::Earliest).unwrap();
        assert!(console.contains(r#"password="<API_SECRET>";'"#), "{console}");
    }

    #[test]
    fn the_view_starts_where_the_feed_starts() {
        assert_eq!(
            kcat_consumer(&local(), "t", &StartFrom::Earliest).unwrap(),
            "kcat -C -b 127.0.0.1:9092 -t t -o beginning -f '%p:%o %T %h %k: %s\\n'"
        );
        assert_eq!(
            kcat_consumer(&local(), "t", &StartFrom::Timestamp(1_764_161_531_007)).unwrap(),
            "kcat -C -b 127.0.0.1:9092 -t t -o s@1764161531007 -f '%p:%o %T %h %k: %s\\n'"
        );
        let one = StartFrom::Offsets(OffsetSpec::Each([(1, 42)].into_iter().collect()));
        assert!(console_consumer(&local(), "t", &one).unwrap().contains("--partition 1 --offset 42"));
        assert!(console_consumer(&local(), "t", &StartFrom::Timestamp(5)).is_err());
    }
}
