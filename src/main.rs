//! The `kafka-live` server. All of it lives in `server::runtime`; this reads the command line
//! and reports failure.

use std::process::ExitCode;

use kafka_live::server::runtime::cli::{self, Command};

fn main() -> ExitCode {
    match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Serve) => serve(),
        Ok(Command::Help) => {
            print!("{}", cli::help());
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            print!("{}", cli::version());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("kafka-live: {error}");
            ExitCode::from(2)
        }
    }
}

#[tokio::main]
async fn serve() -> ExitCode {
    match kafka_live::server::runtime::startup::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kafka-live: {error}");
            ExitCode::from(2)
        }
    }
}
