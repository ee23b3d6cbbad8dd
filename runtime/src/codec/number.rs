//! JSON numbers kept as sent. serde_json (with `arbitrary_precision`) keeps a number's digits but rewrites its
//! exponent: `1E-7` arrives as `1e-7`, `1e400` as `1e+400`. A signature over a payload written back from those
//! values then differs from the sender's, who signed the text it sent (a Java counterpart's `BigDecimal` writes
//! `1E-7`). So the parser's numbers are matched, in document order, with the tokens of the text itself, and a
//! number whose exponent serde_json rewrote takes the sent text back. Digits, signs and `.50` are never rewritten.

use serde_json::Number;
use std::str::FromStr;

/// The number `text` holds, exactly as written (`1E-7`, `-0`, `1.50`, `12345678901234567890`), if it is one JSON
/// number.
pub fn as_sent(text: &str) -> Option<Number> {
    let parsed = Number::from_str(text).ok()?;
    Some(if parsed.as_str() == text { parsed } else { sent(text) })
}

/// A number whose text is known to be JSON number syntax (serde_json read it as one). `from_string_unchecked` is
/// serde_json's only way to hold a number's text as given; `codec::json`'s tests pin what it keeps.
fn sent(text: &str) -> Number {
    Number::from_string_unchecked(text.to_owned())
}

/// The number tokens of a JSON text, in order, for the parser to take back the sent form of each.
pub(super) struct SentNumbers<'t> {
    text: &'t [u8],
    at: usize,
    /// Whether the text has an exponent anywhere: without one, serde_json's text is the sent text, and nothing is
    /// scanned.
    active: bool,
}

impl<'t> SentNumbers<'t> {
    pub(super) fn new(text: &'t str) -> SentNumbers<'t> {
        let bytes = text.as_bytes();
        let active = bytes.windows(2).any(|w| w[0].is_ascii_digit() && matches!(w[1], b'e' | b'E'));
        SentNumbers { text: bytes, at: 0, active }
    }

    /// The next number the parser read, whose text serde_json gives as `parsed`.
    pub(super) fn next(&mut self, parsed: &str) -> Option<Number> {
        if !self.active {
            return Number::from_str(parsed).ok();
        }
        let token = self.next_token();
        match token {
            // The same number, its exponent written as sent.
            Some(token) if token != parsed && rewritten(token) == parsed => Some(sent(token)),
            _ => Number::from_str(parsed).ok(),
        }
    }

    /// Passes the next number, which serde_json read as an integer: its text is the sent text.
    pub(super) fn skip(&mut self) {
        if self.active {
            self.next_token();
        }
    }

    /// The next number token outside strings, from where the last one ended.
    fn next_token(&mut self) -> Option<&'t str> {
        let bytes = self.text;
        let mut i = self.at;
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'-' | b'0'..=b'9' => {
                    let start = i;
                    while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                        i += 1;
                    }
                    self.at = i;
                    return std::str::from_utf8(&bytes[start..i]).ok();
                }
                _ => i += 1,
            }
        }
        self.at = bytes.len();
        None
    }
}

/// `token` as serde_json writes it: the exponent mark lower case, its sign always written.
fn rewritten(token: &str) -> String {
    match token.find(['e', 'E']) {
        Some(at) => {
            let (mantissa, exponent) = (&token[..at], &token[at + 1..]);
            let sign = if exponent.starts_with(['+', '-']) { "" } else { "+" };
            format!("{mantissa}e{sign}{exponent}")
        }
        None => token.to_owned(),
    }
}
