//! A member's assignment, as the group's leader wrote it in the classic consumer protocol
//! (`ConsumerProtocolAssignment`): a version, then per topic its name and partitions, then user
//! data we do not need. librdkafka hands the bytes over as they are; Kafka's own tools decode
//! them the same way to print a member's partitions.

/// The partitions of `topic` the assignment holds, ascending; `None` if the bytes are not an
/// assignment (another protocol type, or cut short).
pub fn partitions_of(assignment: &[u8], topic: &str) -> Option<Vec<i32>> {
    let mut reader = Reader(assignment);
    let _version = reader.i16()?;
    let topics = reader.i32()?;
    let mut found = Vec::new();
    for _ in 0..topics.max(0) {
        let name = reader.string()?;
        let count = reader.i32()?;
        for _ in 0..count.max(0) {
            let partition = reader.i32()?;
            if name == topic.as_bytes() {
                found.push(partition);
            }
        }
    }
    found.sort_unstable();
    Some(found)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn i16(&mut self) -> Option<i16> {
        Some(i16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn i32(&mut self) -> Option<i32> {
        Some(i32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.i16()?).ok()?;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes a leader writes, built field by field as the protocol lays them out.
    fn assignment(topics: &[(&str, &[i32])]) -> Vec<u8> {
        let mut bytes = 1i16.to_be_bytes().to_vec();
        bytes.extend((topics.len() as i32).to_be_bytes());
        for (name, partitions) in topics {
            bytes.extend((name.len() as i16).to_be_bytes());
            bytes.extend(name.as_bytes());
            bytes.extend((partitions.len() as i32).to_be_bytes());
            for p in *partitions {
                bytes.extend(p.to_be_bytes());
            }
        }
        bytes.extend((-1i32).to_be_bytes());
        bytes
    }

    #[test]
    fn the_partitions_of_the_topic_on_screen_come_out_in_order() {
        let bytes = assignment(&[("other", &[0, 1]), ("orders", &[2, 0])]);
        assert_eq!(partitions_of(&bytes, "orders"), Some(vec![0, 2]));
        assert_eq!(partitions_of(&bytes, "absent"), Some(vec![]));
    }

    #[test]
    fn bytes_cut_short_are_not_an_assignment() {
        let bytes = assignment(&[("orders", &[0, 1])]);
        assert_eq!(partitions_of(&bytes[..bytes.len() - 9], "orders"), None);
        assert_eq!(partitions_of(&[], "orders"), None);
    }
}
