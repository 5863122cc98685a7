//! How a record's bytes are shown: JSON pretty-printed (or raw), text as text, anything else as
//! hex (or base64); anything longer than the display limit cut short until "Show all".
//!
//! Pure functions, so they are tested without a browser.

use crate::wire::record::Payload;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Json,
    Text,
    Binary,
}

/// The toggles a feed item offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Choices {
    pub raw_json: bool,
    pub base64: bool,
    pub show_all: bool,
}

impl Choices {
    /// As one byte, for the item to keep without a signal of its own.
    pub fn bits(self) -> u8 {
        u8::from(self.raw_json) | u8::from(self.base64) << 1 | u8::from(self.show_all) << 2
    }

    pub fn from_bits(bits: u8) -> Self {
        Choices { raw_json: bits & 1 != 0, base64: bits & 2 != 0, show_all: bits & 4 != 0 }
    }
}

/// Objects and arrays only: a bare `42` or `"x"` is valid JSON, but shown better as text.
/// Values over `limit` are not parsed until the user asks for all of it.
pub fn shape(payload: &Payload, limit: usize) -> Shape {
    match payload {
        Payload::Binary(_) => Shape::Binary,
        Payload::Text(text) if text.len() <= limit && looks_like_json(text) => Shape::Json,
        Payload::Text(_) => Shape::Text,
    }
}

fn looks_like_json(text: &str) -> bool {
    let trimmed = text.trim_start();
    (trimmed.starts_with('{') || trimmed.starts_with('['))
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// What the item's value box shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// Cut to the display limit.
    pub cut: bool,
    pub shape: Shape,
}

/// The value as the item shows it. The shape is worked out once here (finding JSON parses
/// the value) and handed back for the toggles.
pub fn render(payload: &Payload, limit: usize, choices: Choices) -> Rendered {
    let shape = shape_for(payload, limit, choices);
    let full = match (payload, shape) {
        (Payload::Text(text), Shape::Json) if !choices.raw_json => pretty_json(text),
        (Payload::Text(text), _) => text.clone(),
        (Payload::Binary(hex), _) if choices.base64 => base64_from_hex(hex),
        (Payload::Binary(hex), _) => format!("0x{hex}"),
    };
    if choices.show_all {
        return Rendered { text: full, cut: false, shape };
    }
    let (head, cut) = truncate(&full, limit);
    Rendered { text: head.to_owned(), cut, shape }
}

/// After "Show all", a long value is parsed as JSON too.
fn shape_for(payload: &Payload, limit: usize, choices: Choices) -> Shape {
    shape(payload, if choices.show_all { usize::MAX } else { limit })
}

/// At most `limit` bytes, cut on a character boundary.
pub fn truncate(text: &str, limit: usize) -> (&str, bool) {
    if text.len() <= limit {
        return (text, false);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// Re-indents valid JSON without parsing it into values, so keys keep their order and numbers
/// their spelling.
pub fn pretty_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays on one line.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap_or(c));
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

pub fn base64_from_hex(hex: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = hex
        .as_bytes()
        .chunks(2)
        .filter_map(|pair| std::str::from_utf8(pair).ok().and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// "812 B", "16.0 KiB", "1.00 MiB".
pub fn format_size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.2} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_set_of_choices_survives_its_byte() {
        for bits in 0..8u8 {
            let choices = Choices::from_bits(bits);
            assert_eq!(choices.bits(), bits);
            assert_eq!(Choices::from_bits(choices.bits()), choices);
        }
        assert_eq!(Choices::default().bits(), 0);
    }

    fn text(t: &str) -> Payload {
        Payload::Text(t.into())
    }

    #[test]
    fn json_objects_are_pretty_printed_in_their_own_key_order() {
        let payload = text(r#"{"z":1,"a":[1, 2,{}],"s":"x, {y}: \"q\""}"#);
        assert_eq!(shape(&payload, 100), Shape::Json);
        let Rendered { text: shown, cut, .. } = render(&payload, 1000, Choices::default());
        assert!(!cut);
        assert_eq!(
            shown,
            "{\n  \"z\": 1,\n  \"a\": [\n    1,\n    2,\n    {}\n  ],\n  \"s\": \"x, {y}: \\\"q\\\"\"\n}"
        );
        let raw = render(&payload, 1000, Choices { raw_json: true, ..Choices::default() }).text;
        assert_eq!(raw, r#"{"z":1,"a":[1, 2,{}],"s":"x, {y}: \"q\""}"#);
    }

    #[test]
    fn text_that_is_not_an_object_or_array_stays_text() {
        assert_eq!(shape(&text("42"), 100), Shape::Text);
        assert_eq!(shape(&text("{not json"), 100), Shape::Text);
        assert_eq!(shape(&text("hello"), 100), Shape::Text);
    }

    #[test]
    fn binary_is_hex_or_base64() {
        let payload = Payload::Binary("fffe00".into());
        assert_eq!(render(&payload, 100, Choices::default()).text, "0xfffe00");
        assert_eq!(render(&payload, 100, Choices { base64: true, ..Choices::default() }).text, "//4A");
        assert_eq!(base64_from_hex("666f6f62"), "Zm9vYg==");
    }

    #[test]
    fn long_values_are_cut_until_show_all() {
        let payload = text(&"é".repeat(10));
        let Rendered { text: shown, cut, .. } = render(&payload, 5, Choices::default());
        assert_eq!((shown.as_str(), cut), ("éé", true));
        let Rendered { text: shown, cut, .. } =
            render(&payload, 5, Choices { show_all: true, ..Choices::default() });
        assert_eq!((shown.len(), cut), (20, false));
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(format_size(812), "812 B");
        assert_eq!(format_size(16 * 1024), "16.0 KiB");
        assert_eq!(format_size(1024 * 1024), "1.00 MiB");
    }
}
