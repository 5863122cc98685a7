//! The body of `kafka-live-produce`: records written from outside the app, one per VALUE, or
//! a paced numbered stream (`--rate R --seconds S PREFIX`) for load tests and benchmarks.

use rdkafka::producer::{FutureProducer, FutureRecord};

use kafka_live::server::config::settings;
use kafka_live::server::config::source::{Environment, SettingsError};
use kafka_live::server::kafka::context::KafkaContext;
use kafka_live::server::kafka::error::ClientError;

#[derive(Debug, thiserror::Error)]
pub enum OutsideProducerError {
    #[error(
        "usage: kafka-live-produce [--key KEY] [--header NAME=VALUE]... [--raw-header HEXNAME=VALUE]... [--header-fill NAME=BYTES] [--headers N] [--fill BYTES [--fill-with HEXBYTE]] [--hex] VALUE... | --null  or  kafka-live-produce --rate R --seconds S PREFIX  ({0})"
    )]
    Usage(String),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("Kafka: {0}")]
    Kafka(#[from] ClientError),
}

/// A numbered stream at a steady rate: `PREFIX 0`, `PREFIX 1`, …
#[derive(Debug, Clone, Copy)]
pub struct Paced {
    pub rate: u64,
    pub seconds: u64,
}

/// How a paced stream went.
#[derive(Debug)]
pub struct PacedOutcome {
    pub sent: u64,
    pub acknowledged: u64,
    pub elapsed: std::time::Duration,
}

/// Produces what `args` say to the topic the settings in `env` name; returns the lines to
/// print: `partition offset` per record, or a paced stream's summary.
pub async fn run(args: Vec<String>, env: &impl Environment) -> Result<Vec<String>, OutsideProducerError> {
    let mut key: Option<String> = None;
    let mut headers: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut fill: Option<u64> = None;
    let mut fill_with = b'x';
    let mut hex = false;
    let mut null = false;
    let (mut rate, mut seconds) = (None, None);
    let mut values = Vec::new();
    let mut args = args.into_iter();
    let number = |name: &str, value: Option<String>| {
        value
            .and_then(|value| value.parse::<u64>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| OutsideProducerError::Usage(format!("{name} needs a whole number above 0")))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--key" => {
                key = Some(
                    args.next().ok_or_else(|| OutsideProducerError::Usage("--key needs a value".into()))?,
                )
            }
            "--header" | "--raw-header" | "--header-fill" => {
                let header = args.next().unwrap_or_default();
                let (name, value) = header
                    .split_once('=')
                    .ok_or_else(|| OutsideProducerError::Usage(format!("{arg} needs NAME=VALUE")))?;
                // Header names are bytes on the wire; --raw-header gives them in hex.
                let name = if arg == "--raw-header" { decode_hex(name)? } else { name.as_bytes().to_vec() };
                let value = if arg == "--header-fill" {
                    vec![b'y'; number("--header-fill", Some(value.to_owned()))? as usize]
                } else {
                    value.as_bytes().to_vec()
                };
                headers.push((name, value));
            }
            "--headers" => {
                for n in 0..number("--headers", args.next())? {
                    headers.push((format!("h{n}").into_bytes(), b"v".to_vec()));
                }
            }
            "--fill-with" => {
                fill_with = match decode_hex(&args.next().unwrap_or_default())?.as_slice() {
                    [byte] => *byte,
                    _ => return Err(OutsideProducerError::Usage("--fill-with needs one byte in hex".into())),
                }
            }
            "--fill" => fill = Some(number("--fill", args.next())?),
            "--hex" => hex = true,
            "--null" => null = true,
            "--rate" => rate = Some(number("--rate", args.next())?),
            "--seconds" => seconds = Some(number("--seconds", args.next())?),
            "--" => values.extend(args.by_ref()),
            _ => values.push(arg),
        }
    }
    if values.is_empty() && !null {
        return Err(OutsideProducerError::Usage(
            "no VALUE given (or --null for a record without one)".into(),
        ));
    }
    let paced = match (rate, seconds) {
        (Some(rate), Some(seconds)) if values.len() == 1 && !hex => Some(Paced { rate, seconds }),
        (None, None) => None,
        _ => {
            return Err(OutsideProducerError::Usage(
                "--rate and --seconds go together, with one text PREFIX".into(),
            ));
        }
    };
    if null {
        // One record whose value is null (a tombstone); its "payload" below is never sent.
        values = vec![String::new()];
    }
    let mut payloads = values
        .iter()
        .map(|value| if hex { decode_hex(value) } else { Ok(value.as_bytes().to_vec()) })
        .collect::<Result<Vec<_>, _>>()?;
    // Values too large for a command line: padded with `x` to the size asked for.
    if let Some(size) = fill {
        for payload in &mut payloads {
            payload.resize(size as usize, fill_with);
        }
    }
    let headers = (!headers.is_empty()).then(|| raw_headers(&headers));

    kafka_live::server::runtime::logging::init(Default::default());
    let kafka = settings::load_kafka(env)?;
    let producer: FutureProducer<KafkaContext> = kafka
        .client_config()
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("message.timeout.ms", kafka.produce_timeout.as_millis().to_string())
        // Other producers are not bound by kafka-live's own limit; the tests send large records.
        .set("message.max.bytes", (64 * 1024 * 1024).to_string())
        .create_with_context(KafkaContext::default())
        .map_err(ClientError)?;
    if let Some(paced) = paced {
        let outcome = produce_paced(&producer, &kafka.topic, key.as_deref(), &values[0], paced).await?;
        return Ok(vec![format!(
            "{} of {} records acknowledged in {:.1} s",
            outcome.acknowledged,
            outcome.sent,
            outcome.elapsed.as_secs_f64()
        )]);
    }
    let mut lines = Vec::with_capacity(payloads.len());
    for payload in payloads {
        let mut record = FutureRecord::<str, [u8]>::to(&kafka.topic).payload(&payload);
        if null {
            record.payload = None;
        }
        if let Some(key) = &key {
            record = record.key(key.as_str());
        }
        if let Some(headers) = &headers {
            record = record.headers(headers.clone());
        }
        let delivery =
            producer.send(record, kafka.produce_timeout).await.map_err(|(error, _)| ClientError(error))?;
        lines.push(format!("{} {}", delivery.partition, delivery.offset));
    }
    Ok(lines)
}

/// Sends on a clock, not in a loop as fast as possible: a 10 ms tick catches the sequence up
/// to where the rate says it should be, so a late tick never lowers the rate. Returns when
/// every record is acknowledged or failed; the benchmarks use it too.
pub async fn produce_paced<C: rdkafka::ClientContext + 'static>(
    producer: &FutureProducer<C>,
    topic: &str,
    key: Option<&str>,
    prefix: &str,
    paced: Paced,
) -> Result<PacedOutcome, ClientError> {
    let total = paced.rate * paced.seconds;
    let started = std::time::Instant::now();
    let mut ticker = tokio::time::interval(std::time::Duration::from_millis(10));
    let mut deliveries = Vec::with_capacity(total as usize);
    let mut sent = 0;
    while sent < total {
        ticker.tick().await;
        let due = ((started.elapsed().as_secs_f64() * paced.rate as f64) as u64).min(total);
        while sent < due {
            let value = format!("{prefix} {sent}");
            let mut record = FutureRecord::<str, str>::to(topic).payload(&value);
            if let Some(key) = key {
                record = record.key(key);
            }
            match producer.send_result(record) {
                Ok(delivery) => {
                    deliveries.push(delivery);
                    sent += 1;
                }
                // The local queue is full: wait for the next tick rather than spin.
                Err((rdkafka::error::KafkaError::MessageProduction(_), _)) => break,
                Err((error, _)) => return Err(ClientError(error)),
            }
        }
    }
    let mut acknowledged = 0;
    for delivery in deliveries {
        if let Ok(Ok(_)) = delivery.await {
            acknowledged += 1;
        }
    }
    Ok(PacedOutcome { sent, acknowledged, elapsed: started.elapsed() })
}

/// Headers with names of any bytes. rdkafka's `Header` takes a `&str` name; librdkafka's
/// `rd_kafka_header_add` takes bytes and a length, which is how other producers write names
/// that are not UTF-8.
fn raw_headers(headers: &[(Vec<u8>, Vec<u8>)]) -> rdkafka::message::OwnedHeaders {
    let owned = rdkafka::message::OwnedHeaders::new_with_capacity(headers.len());
    // SAFETY: a `&BorrowedHeaders` is the address of the `rd_kafka_headers_t` it wraps (that is
    // how rdkafka makes one); the headers are owned by `owned`, alive and writable here.
    let native = owned.as_borrowed() as *const rdkafka::message::BorrowedHeaders
        as *mut rdkafka::bindings::rd_kafka_headers_t;
    for (name, value) in headers {
        let error = unsafe {
            rdkafka::bindings::rd_kafka_header_add(
                native,
                name.as_ptr().cast(),
                name.len() as isize,
                value.as_ptr().cast(),
                value.len() as isize,
            )
        };
        assert_eq!(error, rdkafka::bindings::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    owned
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

/// A plain producer of the test broker, as any other client of a user's cluster would be:
/// librdkafka's defaults, nothing of kafka-live's.
pub fn producer(bootstrap: &str) -> FutureProducer {
    rdkafka::ClientConfig::new().set("bootstrap.servers", bootstrap).create().expect("a producer is created")
}
