//! The one place an error becomes an HTTP status.
//!
//! The statuses themselves are decided with the errors (`ProduceError::status`, `TopicsError::
//! status`, `ResetError::status`, `Refusal::status`), so the page, the tests and this file
//! agree: 400 bad input, 403 refused, 404 unknown topic, 409 a group with members, 413 too
//! large, 429 too many, 501 a cluster without the API, 503/504 broker trouble. This file puts
//! them on responses: the server functions' (through Leptos' response options) and the
//! refusals the server makes before any page, socket or produce.

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use crate::wire::consumers::ResetError;
use crate::wire::produce::ProduceError;
use crate::wire::receipt::Receipt;
use crate::wire::topics::TopicsError;

/// Sets the produce server function's status from its outcome.
pub fn apply_produce_outcome(outcome: &Result<Receipt, ProduceError>) {
    if let Err(error) = outcome {
        set(error.status(), error.retry_after_seconds());
    }
}

/// Sets a topics server function's status from its outcome.
pub fn apply_topics_outcome<T>(outcome: &Result<T, TopicsError>) {
    if let Err(error) = outcome {
        set(error.status(), error.retry_after_seconds());
    }
}

/// Sets a consumer-groups server function's status from its outcome.
pub fn apply_groups_outcome<T>(outcome: &Result<T, ResetError>) {
    if let Err(error) = outcome {
        set(error.status(), None);
    }
}

fn set(status: u16, retry_after_seconds: Option<u64>) {
    let Some(response) = use_context::<ResponseOptions>() else { return };
    response.set_status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    if let Some(seconds) = retry_after_seconds {
        response.insert_header(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
}

/// Server functions whose arguments do not even parse (a form field that is not what it should
/// be) never reach their body, and Leptos answers them 500 with the error's `Request` variant.
/// The request was bad, and this says so with 400.
pub async fn bad_arguments_are_400(request: Request<Body>, next: Next) -> Response {
    let server_function = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !server_function || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if bytes.starts_with(br#"{"Request":"#) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A request refused before it reaches a page, a socket or a produce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    BadRequest(String),
    #[error("cross-origin requests are refused")]
    CrossOrigin,
    #[error(
        "kafka-live does not answer to the host `{host}`: allowed are {allowed}. Set access.allowed-hosts (KAFKA_LIVE_ALLOWED_HOSTS) to serve it under another name."
    )]
    HostNotAllowed { host: String, allowed: String },
    #[error("{0}")]
    TopicNotAllowed(String),
    #[error("too many live connections from this address (at most {max}); close some pages and try again")]
    SocketsPerAddress { max: usize },
    #[error("kafka-live is at its cap of {max} live connections; try again later")]
    SocketsFull { max: usize },
}

impl Refusal {
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::BadRequest(_) => StatusCode::BAD_REQUEST,
            Refusal::CrossOrigin | Refusal::HostNotAllowed { .. } | Refusal::TopicNotAllowed(_) => {
                StatusCode::FORBIDDEN
            }
            Refusal::SocketsPerAddress { .. } => StatusCode::TOO_MANY_REQUESTS,
            Refusal::SocketsFull { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (self.status(), format!("{self}\n")).into_response();
        if matches!(self, Refusal::SocketsPerAddress { .. } | Refusal::SocketsFull { .. }) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}
