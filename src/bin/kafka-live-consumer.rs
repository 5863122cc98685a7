//! `kafka-live-consumer`: prints every record of the topic as a consumer group member.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match kafka_live::server::console_consumer::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kafka-live-consumer: {error}");
            ExitCode::from(2)
        }
    }
}
