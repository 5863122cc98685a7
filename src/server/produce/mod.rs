//! A Submit on its way to Kafka: the form's fields parsed (`request`), admitted by the
//! per-address budgets (`gate`), produced (`service`), and a plain form post redirected back to
//! the page (`form_fallback`).

pub mod form_fallback;
pub mod gate;
pub mod request;
pub mod service;
