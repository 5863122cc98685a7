//! Where a page's feed starts, shared by the page (which checks what the user typed before it
//! connects) and the server (which checks it again: anything can open a socket).
//!
//! On the wire it is the socket URL's `from` parameter: `newest`, `earliest`, `offset:42`
//! (every partition), `offset:0=42;2=17` (those partitions; the others start live), or
//! `time:1764161531007` (milliseconds since the Unix epoch).

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StartFrom {
    /// The newest records (the backlog), then live: what a page shows by default.
    #[default]
    Newest,
    Earliest,
    Offsets(OffsetSpec),
    /// The first record at or after this time, per partition.
    Timestamp(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OffsetSpec {
    Every(i64),
    Each(BTreeMap<i32, i64>),
}

impl StartFrom {
    pub fn to_query(&self) -> String {
        match self {
            StartFrom::Newest => "newest".into(),
            StartFrom::Earliest => "earliest".into(),
            StartFrom::Offsets(OffsetSpec::Every(offset)) => format!("offset:{offset}"),
            StartFrom::Offsets(OffsetSpec::Each(offsets)) => {
                let pairs: Vec<String> = offsets.iter().map(|(p, o)| format!("{p}={o}")).collect();
                format!("offset:{}", pairs.join(";"))
            }
            StartFrom::Timestamp(ms) => format!("time:{ms}"),
        }
    }

    pub fn from_query(text: &str) -> Result<Self, String> {
        match text.split_once(':') {
            None if text == "newest" || text.is_empty() => Ok(StartFrom::Newest),
            None if text == "earliest" => Ok(StartFrom::Earliest),
            Some(("offset", spec)) => parse_offsets(spec).map(StartFrom::Offsets),
            Some(("time", ms)) => match ms.parse::<i64>() {
                Ok(ms) if ms >= 0 => Ok(StartFrom::Timestamp(ms)),
                _ => Err(format!("`{ms}` is not a time in milliseconds since 1970")),
            },
            _ => Err(format!("`{text}` is not a start position: newest, earliest, offset:… or time:…")),
        }
    }
}

/// What the page's "Offset" box takes: `42` for every partition, or `0:42, 2:17` per partition
/// (`=` works as well as `:`).
pub fn parse_offsets(text: &str) -> Result<OffsetSpec, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter an offset: 42 for every partition, or 0:42, 1:17 for some.".into());
    }
    if !text.contains([':', '=']) {
        return parse_offset(text).map(OffsetSpec::Every);
    }
    let mut offsets = BTreeMap::new();
    for pair in text.split([',', ';']).map(str::trim).filter(|pair| !pair.is_empty()) {
        let (partition, offset) = pair
            .split_once([':', '='])
            .ok_or_else(|| format!("`{pair}` is not partition:offset, as in 0:42"))?;
        let partition = partition
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|p| *p >= 0)
            .ok_or_else(|| format!("`{}` is not a partition number", partition.trim()))?;
        let offset = parse_offset(offset)?;
        if offsets.insert(partition, offset).is_some() {
            return Err(format!("partition {partition} is given twice"));
        }
    }
    Ok(OffsetSpec::Each(offsets))
}

fn parse_offset(text: &str) -> Result<i64, String> {
    let text = text.trim();
    text.parse::<i64>()
        .ok()
        .filter(|offset| *offset >= 0)
        .ok_or_else(|| format!("`{text}` is not an offset: offsets are whole numbers from 0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_position_survives_the_url() {
        for from in [
            StartFrom::Newest,
            StartFrom::Earliest,
            StartFrom::Offsets(OffsetSpec::Every(42)),
            StartFrom::Offsets(OffsetSpec::Each(BTreeMap::from([(0, 42), (2, 17)]))),
            StartFrom::Timestamp(1_764_161_531_007),
        ] {
            assert_eq!(StartFrom::from_query(&from.to_query()), Ok(from));
        }
    }

    #[test]
    fn offsets_are_one_for_all_or_one_per_partition() {
        assert_eq!(parse_offsets(" 7 "), Ok(OffsetSpec::Every(7)));
        assert_eq!(parse_offsets("0:42, 1=17"), Ok(OffsetSpec::Each(BTreeMap::from([(0, 42), (1, 17)]))));
    }

    #[test]
    fn bad_offsets_say_what_is_wrong() {
        assert!(parse_offsets("").unwrap_err().contains("Enter an offset"));
        assert!(parse_offsets("-1").unwrap_err().contains("whole numbers from 0"));
        assert!(parse_offsets("abc").unwrap_err().contains("`abc` is not an offset"));
        assert!(parse_offsets("x:1").unwrap_err().contains("not a partition"));
        assert!(parse_offsets("0:1,0:2").unwrap_err().contains("given twice"));
        assert!(StartFrom::from_query("time:-5").is_err());
        assert!(StartFrom::from_query("yesterday").is_err());
    }
}
