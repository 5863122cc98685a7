//! Confluent's wire format: a magic byte 0, the schema id as 4 bytes big-endian, for Protobuf
//! the message indexes, then the encoded body.
//!
//! Message indexes are a count and then that many indexes, each a zig-zag varint (as Java's
//! `ByteUtils.writeVarint`); the common `[0]` is written as the single byte 0 (count 0).

pub const MAGIC: u8 = 0;
/// Magic byte and schema id.
pub const HEADER_LEN: usize = 5;

/// The first five bytes read as the header: `(magic, id, rest)`. `None`: too short to be one.
pub fn split(bytes: &[u8]) -> Option<(u8, u32, &[u8])> {
    let header = bytes.get(..HEADER_LEN)?;
    let id = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
    Some((header[0], id, &bytes[HEADER_LEN..]))
}

/// Protobuf's message indexes at the start of `rest`, and the body after them.
pub fn message_indexes(rest: &[u8]) -> Result<(Vec<i32>, &[u8]), String> {
    let mut at = 0;
    let count = read_zigzag(rest, &mut at)?;
    if count == 0 {
        return Ok((vec![0], &rest[at..]));
    }
    if !(1..=100).contains(&count) {
        return Err(format!("{count} message indexes"));
    }
    let indexes = (0..count).map(|_| read_zigzag(rest, &mut at)).collect::<Result<Vec<_>, _>>()?;
    Ok((indexes, &rest[at..]))
}

/// `body` framed for schema `id`, with message indexes for Protobuf.
pub fn frame(id: u32, indexes: Option<&[i32]>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + 8 + body.len());
    out.push(MAGIC);
    out.extend_from_slice(&id.to_be_bytes());
    match indexes {
        None => {}
        Some([0]) => out.push(0),
        Some(indexes) => {
            write_zigzag(&mut out, indexes.len() as i32);
            for &index in indexes {
                write_zigzag(&mut out, index);
            }
        }
    }
    out.extend_from_slice(body);
    out
}

fn read_zigzag(bytes: &[u8], at: &mut usize) -> Result<i32, String> {
    let mut raw: u32 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*at).ok_or("message indexes cut short")?;
        *at += 1;
        raw |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(((raw >> 1) as i32) ^ -((raw & 1) as i32));
        }
    }
    Err("a message index longer than 5 bytes".into())
}

fn write_zigzag(out: &mut Vec<u8>, value: i32) {
    let mut raw = ((value << 1) ^ (value >> 31)) as u32;
    while raw >= 0x80 {
        out.push((raw as u8 & 0x7f) | 0x80);
        raw >>= 7;
    }
    out.push(raw as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_magic_then_a_big_endian_id() {
        assert_eq!(split(&[0, 0, 0, 1, 2, 0xaa]), Some((0, 258, &[0xaa][..])));
        assert_eq!(split(&[0, 0, 0]), None);
    }

    #[test]
    fn the_first_message_is_one_zero_byte_and_others_a_counted_list() {
        assert_eq!(frame(1, Some(&[0]), b"x"), [0, 0, 0, 0, 1, 0, b'x']);
        // Count 2 (zig-zag 4), then 1 (2) and 0 (0).
        assert_eq!(frame(1, Some(&[1, 0]), b""), [0, 0, 0, 0, 1, 4, 2, 0]);
        assert_eq!(frame(7, None, b"{}"), [0, 0, 0, 0, 7, b'{', b'}']);
        assert_eq!(message_indexes(&[0, b'x']).unwrap(), (vec![0], &b"x"[..]));
        assert_eq!(message_indexes(&[4, 2, 0, b'x']).unwrap(), (vec![1, 0], &b"x"[..]));
        assert_eq!(message_indexes(&[4, 2]).unwrap_err(), "message indexes cut short");
    }

    #[test]
    fn indexes_past_one_byte_round_trip() {
        let framed = frame(1, Some(&[300, 2]), b"");
        assert_eq!(message_indexes(&framed[HEADER_LEN..]).unwrap().0, vec![300, 2]);
    }
}
