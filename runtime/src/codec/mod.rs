//! Wire formats. Both read into a `serde_json::Value` tree, which the validator checks against the schema, and
//! write from one in schema order.

pub mod json;
pub mod number;
pub mod xml;

use std::borrow::Cow;

/// Bounds every decoder enforces before it builds anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of objects, arrays or elements.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 1 << 20, max_depth: 32 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("input of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge { len: usize, limit: usize },
    #[error("nesting deeper than the limit of {limit}")]
    TooDeep { limit: usize },
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("XML with a DOCTYPE or entity declaration is refused")]
    XmlDoctype,
    #[error("XML entity `&{0};` is not one of the five predefined ones and is not expanded")]
    XmlEntity(String),
    #[error("expected the root element <{expected}>, found <{found}>")]
    XmlRoot { expected: String, found: String },
    /// A key or element given twice where one value belongs: the last one must not silently win (a bad `sign`
    /// followed by a good one). `path` is where it sits, `a.b[0].c`, its names escaped as [`escape`] does.
    #[error("`{path}` appears more than once")]
    Duplicate { path: String },
    /// A character XML 1.0 forbids, in any binding: a reply may be XML, and a strict reader refuses the whole of it.
    #[error("{} holds {}, a character XML 1.0 forbids", place(path), code_point(*found))]
    Forbidden { path: String, found: char },
    /// A body declared in another charset than UTF-8 (`encoding="gbk"`).
    #[error("the body declares the charset `{declared}`; only UTF-8 is read")]
    Charset { declared: String },
}

impl CodecError {
    /// Whether the text was read and refused for what it holds (a key twice, a forbidden character, a foreign
    /// charset), not unreadable: such a refusal is the sender's content, even inside a payload that decrypted fine.
    pub fn is_refused_content(&self) -> bool {
        matches!(self, CodecError::Duplicate { .. } | CodecError::Forbidden { .. } | CodecError::Charset { .. })
    }
}

fn place(path: &str) -> String {
    if path.is_empty() { "the document".to_owned() } else { format!("`{path}`") }
}

/// `U+0000`, as the Unicode standard names a character.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// Whether XML 1.0 forbids `c` (its `Char` production): C0 controls other than tab, line feed and carriage return,
/// and U+FFFE, U+FFFF. (Surrogates, the rest of what it forbids, cannot occur in a Rust string.)
pub fn is_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// The first character of `text` that XML 1.0 forbids. A scan of bytes: every string of every request passes here.
pub fn first_forbidden(text: &str) -> Option<char> {
    // 0 is a control already: the scan looks for nothing more.
    scan::<0>(text).0
}

/// The first character of `text` that XML 1.0 forbids, and whether `text` holds a `>` (which CDATA must split where
/// it ends a `]]>`): one scan where an element's text took two.
pub(crate) fn first_forbidden_and_gt(text: &str) -> (Option<char>, bool) {
    scan::<b'>'>(text)
}

/// The first forbidden character, and whether byte `ALSO` was seen before it (before the end, where there is none).
fn scan<const ALSO: u8>(text: &str) -> (Option<char>, bool) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = next_suspect::<ALSO>(&bytes[from..]).map(|i| from + i) {
        match bytes[at] {
            // ASCII, so `at + 1` is a character's start; the rest is scanned for forbidden characters alone.
            also if ALSO != 0 && also == ALSO => return (scan::<0>(&text[at + 1..]).0, true),
            // A lead byte, never a continuation byte, so `at` is a character's start: U+FFFE or U+FFFF, or another
            // character of U+F000–U+FFFF (fullwidth punctuation, common in Chinese text), which the scan steps over.
            0xEF if bytes.get(at + 1) == Some(&0xBF) && matches!(bytes.get(at + 2), Some(0xBE | 0xBF)) => {
                return (text[at..].chars().next(), false);
            }
            0xEF => from = at + 1,
            control => return (Some(char::from(control)), false),
        }
    }
    (None, false)
}

/// Where the next byte that may start a forbidden character is: a C0 control other than tab, line feed and
/// carriage return, or 0xEF (U+FFFE and U+FFFF are encoded from it); or byte `ALSO`.
fn next_suspect<const ALSO: u8>(bytes: &[u8]) -> Option<usize> {
    const { assert!(ALSO != SHORT_FILL, "short_word fills with a byte that must never be suspect") };
    // Clean 64-byte blocks are skipped by OR-ing a 0/1 flag per byte, which the compiler turns into a few vector
    // compares per block: 13–22 bytes a nanosecond over 23 kB of Base64, against 2–2.4 for the same test as an
    // `||` of `bool`s, whose short-circuit branches stayed. Every text read or written passes here, the reply's
    // long Base64 included.
    let mut at = bytes
        .chunks_exact(64)
        .take_while(|block| block.iter().fold(0, |any, b| any | suspect::<ALSO>(*b)) == 0)
        .count()
        * 64;
    // Then a word at a time: most texts are names and values shorter than a block, where a flag per byte cost
    // more than the rest of their writing. A word that may hold one is looked at byte by byte, since tab, line
    // feed and carriage return pass the word's test too (as do Chinese text's fullwidth punctuation, from 0xEF).
    while let Some(chunk) = bytes[at..].first_chunk::<8>() {
        if word_suspect::<ALSO>(u64::from_le_bytes(*chunk)) {
            if let Some(i) = chunk.iter().position(|b| suspect::<ALSO>(*b) != 0) {
                return Some(at + i);
            }
        }
        at += 8;
    }
    if at == bytes.len() {
        return None;
    }
    // The last few bytes: the text's last eight, read again in part, where it has eight; a shorter text's bytes
    // in one word ([`short_word`]). Most names and codes are shorter than a word, and looking at their bytes one by
    // one was most of what checking them cost.
    let last = bytes.last_chunk::<8>().map_or_else(|| short_word(bytes), |last| u64::from_le_bytes(*last));
    if !word_suspect::<ALSO>(last) {
        return None;
    }
    bytes[at..].iter().position(|b| suspect::<ALSO>(*b) != 0).map(|i| at + i)
}

/// What [`short_word`] fills a word with: a byte never suspect.
const SHORT_FILL: u8 = b'x';

/// Every byte of `bytes` (one to seven of them) in one word, some twice, the rest filled with a byte that is never
/// suspect: two overlapping halves from four bytes on, else the first, middle and last. Without a copy of a
/// length only known when it runs, which is a call to `memcpy`.
fn short_word(bytes: &[u8]) -> u64 {
    match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        (Some(first), Some(last)) => u64::from(u32::from_le_bytes(*first)) | u64::from(u32::from_le_bytes(*last)) << 32,
        _ => match bytes {
            [] => u64::from_le_bytes([SHORT_FILL; 8]),
            [.., last] => {
                let fill = SHORT_FILL;
                u64::from_le_bytes([bytes[0], bytes[bytes.len() / 2], *last, fill, fill, fill, fill, fill])
            }
        },
    }
}

/// 1 where `b` may start a forbidden character (see [`next_suspect`]) or is `ALSO`, else 0.
fn suspect<const ALSO: u8>(b: u8) -> u8 {
    let control = u8::from(b < 0x20) & !(u8::from(b == b'\t') | u8::from(b == b'\n') | u8::from(b == b'\r'));
    control | u8::from(b == 0xEF) | u8::from(ALSO != 0 && b == ALSO)
}

/// Whether some byte of `word` is below 0x20, is 0xEF or is `ALSO`: the byte tests of “Bit Twiddling Hacks”
/// (`hasless`, `haszero`), exact on whether there is one, if not on which.
fn word_suspect<const ALSO: u8>(word: u64) -> bool {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let is_ef = has_zero(word ^ (ONES * 0xEF));
    let is_also = if ALSO != 0 { has_zero(word ^ (ONES * u64::from(ALSO))) } else { 0 };
    (below_space | is_ef | is_also) != 0
}

/// `text` with every character XML 1.0 forbids written as Rust writes it, `\u{0}`: for a message that quotes a
/// received value, which must never carry the character itself into a reply.
pub fn escape(text: &str) -> Cow<'_, str> {
    if first_forbidden(text).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_forbidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Where a reader stands in a document, kept as a chain of borrowed steps so a path is only written out when an
/// error needs it.
#[derive(Clone, Copy)]
pub(crate) enum Step<'a> {
    Root,
    Key(&'a Step<'a>, &'a str),
    Index(&'a Step<'a>, usize),
}

impl Step<'_> {
    /// `a.b[0].c`, the notation of validation errors; names escaped.
    pub(crate) fn render(&self) -> String {
        match self {
            Step::Root => String::new(),
            Step::Key(Step::Root, key) => escape(key).into_owned(),
            Step::Key(parent, key) => format!("{}.{}", parent.render(), escape(key)),
            Step::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }

    /// Refuses a forbidden character in `text`, found at this step.
    pub(crate) fn check_text(&self, text: &str) -> Result<(), CodecError> {
        match first_forbidden(text) {
            None => Ok(()),
            Some(found) => Err(CodecError::Forbidden { path: self.render(), found }),
        }
    }
}

impl Limits {
    pub(crate) fn check_len(&self, len: usize) -> Result<(), CodecError> {
        if len > self.max_bytes {
            return Err(CodecError::TooLarge { len, limit: self.max_bytes });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{first_forbidden, first_forbidden_and_gt};

    /// Every short text of clean bytes, tab, line feed, carriage return, fullwidth punctuation and one character
    /// from each side of the border, at every place: the word scan and its overlapping last word against a test of
    /// each character.
    #[test]
    fn first_forbidden_is_the_first_character_that_xml_forbids() {
        let pieces = [
            "a", "\t", "\n", "\r", "，", "中", "\u{7f}", "\u{1f}", "\u{0}", "\u{b}", "\u{fffe}", "\u{ffff}", "\u{fffd}",
        ];
        for len in 0..72 {
            for at in 0..=len {
                for piece in pieces {
                    for filler in ["a", "\t", "，"] {
                        let text = format!("{}{piece}{}", filler.repeat(at), "b".repeat(len - at));
                        let expected = text.chars().find(|c| super::is_forbidden(*c));
                        assert_eq!(first_forbidden(&text), expected, "{text:?}");
                    }
                }
            }
        }
    }

    /// The scan that also notes a `>`: the same character found, and a `>` noted wherever it is, before the
    /// forbidden character or after it (where it is not looked for), at every place of short and long texts.
    #[test]
    fn first_forbidden_and_gt_notes_a_gt_before_the_forbidden_character() {
        let pieces = ["a", ">", "\t", "，", "\u{0}", "\u{1f}", "\u{fffe}", "]]>"];
        for len in [0, 1, 7, 8, 9, 15, 63, 64, 65, 100, 130] {
            for at in [0, 1, 7, 8, 9, 63, 64, 65, 128].into_iter().filter(|at| *at <= len) {
                for first in pieces {
                    for second in pieces {
                        let text = format!("{}{first}{}{second}", "b".repeat(at), "c".repeat(len - at));
                        let forbidden = text.chars().find(|c| super::is_forbidden(*c));
                        let before = forbidden.map_or(text.as_str(), |c| &text[..text.find(c).unwrap()]);
                        assert_eq!(first_forbidden_and_gt(&text), (forbidden, before.contains('>')), "{text:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn first_forbidden_finds_a_character_wherever_the_block_scan_leaves_it() {
        for len in [0, 1, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 200] {
            let clean = "a".repeat(len);
            assert_eq!(first_forbidden(&clean), None, "{len} clean bytes");
            for at in [0, 30, 31, 32, 33, 63, 64, 65, 127, 128, 150].into_iter().filter(|at| *at <= len) {
                for bad in ['\0', '\u{1}', '\u{FFFE}', '\u{FFFF}'] {
                    let text = format!("{}{bad}{}", &clean[..at], &clean[at..]);
                    assert_eq!(first_forbidden(&text), Some(bad), "{bad:?} at {at} of {len}");
                }
            }
        }
        // Allowed: tab, line feed, carriage return, and characters encoded from 0xEF that are not U+FFFE/U+FFFF.
        assert_eq!(first_forbidden(&format!("{}\t\n\r，（）", "b".repeat(40))), None);
        // Found past fullwidth punctuation, which the scan steps over.
        let text = format!("患者（张三），{}\u{1}，{}", "b".repeat(40), "（".repeat(20));
        assert_eq!(first_forbidden(&text), Some('\u{1}'));
        assert_eq!(first_forbidden(&format!("（）{}\u{FFFF}", "，".repeat(30))), Some('\u{FFFF}'));
        assert_eq!(first_forbidden("\u{FFFD}\u{FFFE}"), Some('\u{FFFE}'));
    }
}
