//! The console consumer: the original walkthrough's console app, as a real group member.
//!
//! It joins the consumer group, reads from the earliest offset the group has not committed,
//! prints one line per record, and commits what it printed. On Ctrl-C or SIGTERM it commits,
//! leaves the group and exits 0, so a restart resumes after the last printed record.

use std::io::Write;

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;

use crate::server::config::settings;
use crate::server::config::source::{ProcessEnv, SettingsError};
use crate::server::kafka::context::KafkaContext;
use crate::server::kafka::error::{ClientError, SayOnce};
use crate::server::runtime::logging;
use crate::server::runtime::shutdown;
use crate::server::schemas::source::Part;
use crate::wire::record::Payload;
use crate::wire::schema::Decoding;

#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("cannot create the consumer: {0}")]
    Create(ClientError),
    #[error("cannot subscribe to `{topic}`: {source}")]
    Subscribe { topic: String, source: ClientError },
    #[error("cannot write to standard output: {0}")]
    Output(std::io::Error),
}

/// The line the original console app printed for each record, with the value's control
/// characters escaped: a record is anyone's bytes, and raw escape sequences in it would drive
/// the user's terminal (move the cursor, rewrite earlier lines, set the title), and a newline
/// would forge a line of its own.
pub fn line(topic: &str, value: Option<&[u8]>) -> String {
    let value = value
        .map(|bytes| escape_controls(&Payload::from_bytes(bytes).display()))
        .unwrap_or_else(|| "null".into());
    format!("Consumed event from topic \"{topic}\": value = {value}")
}

/// The same line for a value the schema directory (`kafka.schemas-dir`) has something to say
/// about: its JSON and the schema, or the bytes and why they were not decoded.
pub fn decoded_line(topic: &str, value: Option<&[u8]>, decoding: &Decoding) -> String {
    match decoding {
        Decoding::Decoded { json, schema, .. } => {
            format!(
                "Consumed event from topic \"{topic}\": value = {} ({})",
                escape_controls(json),
                schema.line()
            )
        }
        Decoding::Failed { reason } => format!("{} ({reason})", line(topic, value)),
    }
}

/// `\n`, `\r`, `\t`, `\\` and `\u{1b}`-style escapes for every control character (C0, DEL,
/// C1) and for the bidirectional overrides that reorder what a terminal shows.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

pub async fn run() -> Result<(), ConsumerError> {
    logging::init(Default::default());
    let stop = shutdown::listen().requested();
    let kafka = settings::load_kafka(&ProcessEnv)?;
    let mut out = std::io::stdout();
    writeln!(out, "Consumer Starting").map_err(ConsumerError::Output)?;

    let consumer: StreamConsumer<KafkaContext> = kafka
        .client_config()
        .set("group.id", kafka.consumer_group.as_str())
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "true")
        // The page marks a record "consumed by" this group once the commit is seen: every
        // 200 ms rather than librdkafka's 5 s, and only when something new was printed.
        .set("auto.commit.interval.ms", "200")
        // Each member named apart in the page's Consumers panel.
        .set("client.id", format!("kafka-live-consumer-{}", std::process::id()))
        // Only what was printed is committed: offsets are stored after the line is written.
        .set("enable.auto.offset.store", "false")
        .set("fetch.wait.max.ms", kafka.fetch_wait_max_ms.to_string())
        .create_with_context(KafkaContext::default())
        .map_err(|error| ConsumerError::Create(ClientError(error)))?;
    consumer.subscribe(&[&kafka.topic]).map_err(|source| ConsumerError::Subscribe {
        topic: kafka.topic.clone(),
        source: ClientError(source),
    })?;
    tracing::info!(group = %kafka.consumer_group, topic = %kafka.topic, "joining the consumer group");

    tokio::pin!(stop);
    let mut errors = SayOnce::default();
    loop {
        tokio::select! {
            () = &mut stop => break,
            received = consumer.recv() => match received {
                Ok(message) => {
                    let (topic, value) = (message.topic(), message.payload());
                    let printed = match value.and_then(|bytes| kafka.schemas.decode(topic, Part::Value, bytes, usize::MAX)) {
                        Some(decoding) => decoded_line(topic, value, &decoding),
                        None => line(topic, value),
                    };
                    writeln!(out, "{printed}").map_err(ConsumerError::Output)?;
                    out.flush().map_err(ConsumerError::Output)?;
                    if let Err(error) = consumer.store_offset_from_message(&message) {
                        tracing::warn!(%error, "cannot store the offset of a printed record");
                    }
                    errors.clear();
                }
                Err(error) => {
                    errors
                        .error(ClientError(error).to_string(), std::time::Duration::from_millis(200), |text| {
                            eprintln!("kafka-live-consumer: {text}")
                        })
                        .await
                }
            }
        }
    }
    match consumer.commit_consumer_state(CommitMode::Sync) {
        Ok(()) | Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => {}
        Err(error) => tracing::warn!(%error, "final commit failed"),
    }
    consumer.unsubscribe();
    // Dropping the consumer closes it, which leaves the group at once instead of after the
    // session timeout, so the partitions move to the other members without delay.
    drop(consumer);
    tracing::info!("left the consumer group");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_decoded_with_its_schema_prints_as_json_with_the_schema() {
        use crate::wire::schema::{DecodeFailure, SchemaFormat, SchemaRef};
        let schema = SchemaRef {
            subject: "orders-value".into(),
            version: 1,
            id: 1,
            format: SchemaFormat::Avro,
            message: None,
        };
        let decoded = Decoding::Decoded { json: r#"{"id":7}"#.into(), schema, wire_format: true };
        assert_eq!(
            decoded_line("order", Some(b"\0\0\0\0\x01\x0e"), &decoded),
            r#"Consumed event from topic "order": value = {"id":7} (schema orders-value v1, id 1, Avro)"#
        );
        let failed = Decoding::Failed { reason: DecodeFailure::UnknownSchemaId { id: 9 } };
        assert_eq!(
            decoded_line("order", Some(&[0, 0, 0, 0, 9, 0xff]), &failed),
            "Consumed event from topic \"order\": value = 0x0000000009ff (not decoded: unknown schema id 9)"
        );
    }

    #[test]
    fn prints_the_original_line() {
        assert_eq!(line("order", Some(b"pizza")), "Consumed event from topic \"order\": value = pizza");
        assert_eq!(line("order", None), "Consumed event from topic \"order\": value = null");
    }

    #[test]
    fn a_record_cannot_drive_the_terminal() {
        let value = "red\u{1b}[31m\u{1b}]0;owned\u{7}\nConsumed event from topic \"x\": value = forged\r\u{9b}2J\u{202e}abc\\n";
        assert_eq!(
            line("order", Some(value.as_bytes())),
            "Consumed event from topic \"order\": value = red\\u{1b}[31m\\u{1b}]0;owned\\u{7}\\nConsumed event from topic \"x\": value = forged\\r\\u{9b}2J\\u{202e}abc\\\\n"
        );
        assert!(!line("t", Some(value.as_bytes())).chars().any(char::is_control));
    }
}
