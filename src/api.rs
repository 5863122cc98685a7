//! The page's server functions: each body runs on the server only and is one call into
//! `server`; the browser gets a generated client that POSTs to `/api/<endpoint>`, and the plain
//! HTML form posts the same fields before the WASM has loaded (`headers[0][name]` for header
//! rows). Nothing in `server` imports this module: it is the one place the page reaches in.

// One argument per form field (the plain HTML form posts the same names): the produce form has
// nine, and the server macro's generated client inherits no attribute but the module's.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::wire::consumers::{GroupList, ResetError, ResetReceipt};
use crate::wire::produce::{HeaderField, ProduceError};
use crate::wire::receipt::Receipt;
use crate::wire::topics::{Catalogue, TopicInfo, TopicsError};

/// Produces the form's records and returns where Kafka stored each, in the order sent.
///
/// `text` is one record, or with `lines` set one record per non-blank line; `repeat` sends it
/// all that many times. An empty `key` is no key; `topic` defaults to the configured one and
/// `partition` to the partitioner's choice. `key_schema` and `value_schema`, when set, are the
/// ids of schemas the key and each value (JSON) are encoded with, in Confluent's wire format.
#[server(endpoint = "produce")]
pub async fn produce_message(
    text: String,
    #[server(default)] topic: Option<String>,
    #[server(default)] key: Option<String>,
    #[server(default)] headers: Vec<HeaderField>,
    #[server(default)] partition: Option<String>,
    #[server(default)] lines: Option<String>,
    #[server(default)] repeat: Option<String>,
    #[server(default)] key_schema: Option<String>,
    #[server(default)] value_schema: Option<String>,
) -> Result<Receipt, ProduceError> {
    use crate::server::produce::request::Fields;
    let chosen_topic = topic.clone();
    let fields =
        Fields { text: &text, topic, key, headers, partition, lines, repeat, key_schema, value_schema };
    let outcome = crate::server::produce::service::submit(fields).await;
    crate::server::http::status::apply_produce_outcome(&outcome);
    crate::server::produce::form_fallback::redirect_plain_form_post(&text, chosen_topic.as_deref(), &outcome);
    outcome
}

#[server(endpoint = "topics")]
pub async fn list_topics() -> Result<Catalogue, TopicsError> {
    Ok(crate::server::topics::for_page().await)
}

/// Creates `name` with the configured partition count and replication factor.
#[server(endpoint = "create_topic")]
pub async fn create_topic(name: String) -> Result<TopicInfo, TopicsError> {
    let outcome = crate::server::topics::create(&name).await;
    crate::server::http::status::apply_topics_outcome(&outcome);
    outcome
}

/// The consumer groups reading `topic` (default: the configured one), the console consumer's
/// group first.
#[server(endpoint = "consumer_groups")]
pub async fn consumer_groups(#[server(default)] topic: Option<String>) -> Result<GroupList, ResetError> {
    let outcome = crate::server::groups::list(topic.as_deref()).await;
    crate::server::http::status::apply_groups_outcome(&outcome);
    outcome
}

/// Moves an empty group's committed offsets on `topic`: `to` is `earliest`, `latest`, `offset`
/// (with `value` the offset) or `timestamp` (with `value` in ms since the epoch).
#[server(endpoint = "reset_offsets")]
pub async fn reset_offsets(
    #[server(default)] topic: Option<String>,
    group: String,
    to: String,
    #[server(default)] value: String,
) -> Result<ResetReceipt, ResetError> {
    let outcome = crate::server::groups::reset_from_form(topic.as_deref(), &group, &to, &value).await;
    crate::server::http::status::apply_groups_outcome(&outcome);
    outcome
}
