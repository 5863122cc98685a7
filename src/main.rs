//! The `kafka-live` server. All of it lives in `server::runtime::startup`; this only reports failure.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match kafka_live::server::runtime::startup::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kafka-live: {error}");
            ExitCode::from(2)
        }
    }
}
