//! `kafka-live-produce`: an outside client that writes records to the topic, the way any
//! other producer of a user's cluster would. The tests use it; so can people.
//!
//! kafka-live-produce [--key KEY] [--header NAME=VALUE]... [--fill BYTES [--fill-with HEXBYTE]] [--hex] VALUE...
//! kafka-live-produce [--key KEY] [--header NAME=VALUE]... --null
//! kafka-live-produce [--key KEY] --rate R --seconds S PREFIX
//!   Each VALUE becomes one record. With --hex, VALUEs are hex and produced as raw bytes; with
//!   --fill, each is padded to BYTES with `x` (or the byte --fill-with gives); --null produces
//!   one record with a null value. Headers: --header NAME=VALUE; --raw-header HEXNAME=VALUE for a
//!   name of any bytes (as other producers may write); --header-fill NAME=BYTES for a value of
//!   BYTES `y`s; --headers N for N small ones. The topic is KAFKA_TOPIC's, as for the app.
//!   Prints `partition offset` for each acknowledged record. With --rate, produces `PREFIX 0`,
//!   `PREFIX 1`, … at R records/s for S seconds and prints one summary line.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let env = kafka_live::server::config::source::ProcessEnv;
    match kafka_live_testkit::outside::run(std::env::args().skip(1).collect(), &env).await {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("kafka-live-produce: {error}");
            ExitCode::from(2)
        }
    }
}
