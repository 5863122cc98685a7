//! rdkafka clients: the shared producer, the live feed consumer, catch-up reads for a
//! reconnecting page, a page's own reader, the cluster's topics, the probe.

pub mod broker_probe;
pub mod catalogue;
pub mod catch_up;
pub mod context;
pub mod error;
pub mod feed;
pub mod out_of_range;
pub mod page_reader;
pub mod producer;
pub mod record;
