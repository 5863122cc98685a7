//! Tests on Apache Kafka only: the load tests (nisshi's feed falls behind at these rates;
//! README, "Benchmarks"), which `scripts/test` runs one at a time so none shares the cores, and
//! a real Prometheus scraping the app.

mod group_under_load;
mod many_clients;
mod prometheus;
mod stalled_client;
