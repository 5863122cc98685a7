//! Consumed records on their way to the browsers: one `consumer` per topic reads the topic
//! into the `hub`, which keeps its recent records and fans them out, kept alive by a
//! `supervisor`; a socket the `/ws` route (`http::socket_route`) admitted (`open_sockets`) is
//! served by a task of its own (`socket`), which fills a reconnecting page's gap (`catch_up`) or reads for a page that
//! asked for a start of its own (`page_reader`). `broker_probe` keeps the hub's broker status.

pub mod broker_probe;
pub mod catch_up;
pub mod consumer;
pub mod frame;
pub mod hub;
pub mod open_sockets;
pub mod page_reader;
pub mod socket;
pub mod supervisor;
