//! The body of `kafka-live-produce`: records written from outside the app.

use rdkafka::producer::{FutureProducer, FutureRecord};

use super::kafka::context::KafkaContext;
use super::kafka::error::ClientError;
use super::settings::{self, ProcessEnv, SettingsError};

#[derive(Debug, thiserror::Error)]
pub enum OutsideProducerError {
    #[error("usage: kafka-live-produce [--key KEY] [--hex] VALUE...  ({0})")]
    Usage(String),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("Kafka: {0}")]
    Kafka(#[from] ClientError),
}

pub async fn run(args: Vec<String>) -> Result<(), OutsideProducerError> {
    let mut key: Option<String> = None;
    let mut hex = false;
    let mut values = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--key" => {
                key = Some(
                    args.next().ok_or_else(|| OutsideProducerError::Usage("--key needs a value".into()))?,
                )
            }
            "--hex" => hex = true,
            "--" => values.extend(args.by_ref()),
            _ => values.push(arg),
        }
    }
    if values.is_empty() {
        return Err(OutsideProducerError::Usage("no VALUE given".into()));
    }
    let payloads = values
        .iter()
        .map(|value| if hex { decode_hex(value) } else { Ok(value.as_bytes().to_vec()) })
        .collect::<Result<Vec<_>, _>>()?;

    super::logging::init();
    let kafka = settings::load_kafka(&settings::settings_path(&ProcessEnv), &ProcessEnv)?;
    let producer: FutureProducer<KafkaContext> = kafka
        .client_config()
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("message.timeout.ms", kafka.produce_timeout.as_millis().to_string())
        .create_with_context(KafkaContext::default())
        .map_err(ClientError)?;
    for payload in payloads {
        let mut record = FutureRecord::<str, [u8]>::to(&kafka.topic).payload(&payload);
        if let Some(key) = &key {
            record = record.key(key.as_str());
        }
        let delivery =
            producer.send(record, kafka.produce_timeout).await.map_err(|(error, _)| ClientError(error))?;
        println!("{} {}", delivery.partition, delivery.offset);
    }
    Ok(())
}

fn decode_hex(text: &str) -> Result<Vec<u8>, OutsideProducerError> {
    if !text.len().is_multiple_of(2) {
        return Err(OutsideProducerError::Usage(format!("`{text}` is not hex")));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&text[i..i + 2], 16)
                .map_err(|_| OutsideProducerError::Usage(format!("`{text}` is not hex")))
        })
        .collect()
}
