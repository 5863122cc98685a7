//! What kafka-live's tests and benchmarks drive it with, kept out of the product: an outside
//! producer (the `kafka-live-produce` tool, a paced numbered stream for load tests, and a plain
//! librdkafka producer), the way any other client of a user's cluster writes to the topic; and
//! the tally a load test or a benchmark keeps of what one socket saw.

pub mod outside;
pub mod tally;
