//! Load tests, on Apache Kafka only: nisshi's feed falls behind at these rates (README,
//! "Benchmarks"). `scripts/test` runs them one at a time, so neither shares the cores.

mod many_clients;
mod stalled_client;
