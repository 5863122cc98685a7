//! Everything that runs only on the server, by the step of a record's path:
//! `config` (settings, loaded once) → `http` (the gate every request passes) → `produce` (a
//! Submit, parsed, admitted and sent) → `kafka` (the clients) → `feed` (one consumer's records
//! fanned out to every socket) → `groups` (the consumer groups reading it, watched for the
//! page's Consumers panel); `topics` answers the page's topic list, `runtime` starts and
//! stops it all. `metrics` counts each step for `/metrics`. `console_consumer` is the
//! walkthrough's console app.

pub mod config;
pub mod console_consumer;
pub mod feed;
pub mod groups;
pub mod http;
pub mod kafka;
pub mod metrics;
pub mod produce;
pub mod runtime;
pub mod schemas;
pub mod topics;
