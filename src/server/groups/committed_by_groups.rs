//! Which of many groups have committed offsets on a topic, asked of the cluster through one
//! client: librdkafka's ListConsumerGroupOffsets admin request, one per group, all in flight at
//! once. rdkafka 0.39 does not wrap it; the alternative, a consumer client per group (OffsetFetch
//! names the client's own group), cost about 190 ms a group to create and tear down — 5.7 s for
//! the chooser's list on a cluster with 30 empty groups.

use std::ffi::{CStr, CString, c_char};
use std::time::{Duration, Instant};

use rdkafka::bindings as rd;
use rdkafka::client::Client;
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientContext, TopicPartitionList};

use crate::wire::consumers::GroupId;

/// The groups of `groups` with a committed offset on any of `partitions` of `topic`. A group
/// the cluster could not answer for is left out; if it answered for none, that error.
pub fn with_offsets_on<C: ClientContext>(
    client: &Client<C>,
    topic: &str,
    partitions: &[i32],
    groups: &[GroupId],
    timeout: Duration,
) -> KafkaResult<Vec<GroupId>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let mut asked = TopicPartitionList::new();
    for &partition in partitions {
        asked.add_partition(topic, partition);
    }
    let rk = client.native_ptr();
    let request = Request::new(rk, timeout)?;
    for group in groups {
        let name =
            CString::new(group.as_str()).map_err(|_| KafkaError::AdminOpCreation("group id".into()))?;
        // SAFETY: `rk` and the queue are alive for this call; librdkafka copies the request (and
        // the partition list it holds), so both are freed right after.
        unsafe {
            let mut one = rd::rd_kafka_ListConsumerGroupOffsets_new(name.as_ptr(), asked.ptr());
            rd::rd_kafka_ListConsumerGroupOffsets(rk, &mut one, 1, request.options, request.queue);
            rd::rd_kafka_ListConsumerGroupOffsets_destroy(one);
        }
    }
    let deadline = Instant::now() + timeout + Duration::from_secs(1);
    let mut found = Vec::new();
    let (mut answered, mut failure) = (0, None);
    while answered < groups.len() {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else { break };
        // SAFETY: the queue is alive; each event is destroyed once read, and what is read from
        // it (names, partition lists) is copied out before that.
        unsafe {
            let event = rd::rd_kafka_queue_poll(request.queue, left.as_millis().min(i32::MAX as u128) as i32);
            if event.is_null() {
                break;
            }
            answered += 1;
            let error = rd::rd_kafka_event_error(event);
            if error != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                failure = Some(KafkaError::AdminOp(RDKafkaErrorCode::from(error)));
            } else if let Some(group) = group_with_offsets(event, topic) {
                found.push(group);
            }
            rd::rd_kafka_event_destroy(event);
        }
    }
    match failure {
        Some(error) if found.is_empty() => Err(error),
        _ => {
            found.sort();
            Ok(found)
        }
    }
}

/// The group an answer is about, if it holds a committed offset on `topic`.
///
/// # Safety
/// `event` must be a live ListConsumerGroupOffsets result event.
unsafe fn group_with_offsets(event: *mut rd::rd_kafka_event_t, topic: &str) -> Option<GroupId> {
    unsafe {
        let result = rd::rd_kafka_event_ListConsumerGroupOffsets_result(event);
        if result.is_null() {
            return None;
        }
        let mut count = 0;
        let groups = rd::rd_kafka_ListConsumerGroupOffsets_result_groups(result, &mut count);
        let mut holding = None;
        for index in 0..count {
            let group = *groups.add(index);
            if !rd::rd_kafka_group_result_error(group).is_null() {
                continue;
            }
            let list = rd::rd_kafka_group_result_partitions(group);
            if list.is_null() || !committed_on(&*list, topic) {
                continue;
            }
            let name = CStr::from_ptr(rd::rd_kafka_group_result_name(group)).to_str().ok()?;
            holding = GroupId::parse(name).ok();
        }
        holding
    }
}

/// Whether a partition list holds a committed offset (not an error, not "none") on `topic`.
///
/// # Safety
/// `list` must be a valid partition list whose topic names are NUL-terminated strings.
unsafe fn committed_on(list: &rd::rd_kafka_topic_partition_list_t, topic: &str) -> bool {
    (0..list.cnt.max(0) as usize).any(|index| {
        // SAFETY: `index` is below the list's count.
        let partition = unsafe { &*list.elems.add(index) };
        let name = unsafe { CStr::from_ptr(partition.topic) };
        name.to_bytes() == topic.as_bytes()
            && partition.offset >= 0
            && partition.err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR
    })
}

/// The queue the answers arrive on and the options every request shares; freed on drop.
struct Request {
    queue: *mut rd::rd_kafka_queue_t,
    options: *mut rd::rd_kafka_AdminOptions_t,
}

impl Request {
    fn new(rk: *mut rd::rd_kafka_t, timeout: Duration) -> KafkaResult<Self> {
        // SAFETY: `rk` is a live client handle; both objects are freed in `drop`.
        unsafe {
            let request = Self {
                queue: rd::rd_kafka_queue_new(rk),
                options: rd::rd_kafka_AdminOptions_new(
                    rk,
                    rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
                ),
            };
            let mut reason = [0 as c_char; 256];
            let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
            let set = rd::rd_kafka_AdminOptions_set_request_timeout(
                request.options,
                millis,
                reason.as_mut_ptr(),
                reason.len(),
            );
            if set != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                let reason = CStr::from_ptr(reason.as_ptr()).to_string_lossy().into_owned();
                return Err(KafkaError::AdminOpCreation(reason));
            }
            Ok(request)
        }
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        // SAFETY: created in `new`, freed once here.
        unsafe {
            rd::rd_kafka_AdminOptions_destroy(self.options);
            rd::rd_kafka_queue_destroy(self.queue);
        }
    }
}
