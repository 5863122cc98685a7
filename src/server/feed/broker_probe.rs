//! Watches whether the cluster answers, for the indicator beside the page's connection status.

use std::sync::Arc;
use std::time::Duration;

use crate::server::feed::hub::Hub;
use crate::server::kafka::producer::SharedProducer;

const EVERY: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_secs(2);

pub async fn run(producer: SharedProducer, hub: Arc<Hub>) {
    loop {
        let status = {
            let producer = Arc::clone(&producer);
            // A metadata request blocks inside librdkafka; keep it off the async workers.
            tokio::task::spawn_blocking(move || producer.probe(TIMEOUT)).await.expect("probe task panicked")
        };
        hub.set_broker_status(status);
        tokio::time::sleep(EVERY).await;
    }
}
