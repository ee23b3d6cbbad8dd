//! The forms a value takes on its way into another implementation's string to sign: URL-encoded by a GET binding,
//! XML-escaped or still in its CDATA wrapper, trimmed, and signed JSON with Java libraries' `\uXXXX` escapes or
//! pretty-printed.

/// One way of writing a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// RFC 3986: everything but unreserved characters as `%XX`.
    UrlEncoded,
    /// `java.net.URLEncoder`: a space as `+`, `*` kept, `~` encoded.
    FormEncoded,
    XmlEscaped,
    /// `<![CDATA[…]]>` kept around the value.
    Cdata,
    Trimmed,
    /// Non-ASCII characters in JSON as `\u5F20` (Jackson's `ESCAPE_NON_ASCII`).
    JsonEscapedUpper,
    /// … as `\u5f20` (fastjson, Gson).
    JsonEscapedLower,
    /// JSON pretty-printed, two spaces deep.
    JsonPretty,
}

impl Form {
    pub const ALL: [Form; 8] = [
        Form::UrlEncoded,
        Form::FormEncoded,
        Form::XmlEscaped,
        Form::Cdata,
        Form::Trimmed,
        Form::JsonEscapedUpper,
        Form::JsonEscapedLower,
        Form::JsonPretty,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Form::UrlEncoded => "values URL-encoded before signing (RFC 3986, %XX)",
            Form::FormEncoded => "values URL-encoded as Java's URLEncoder does (space as +)",
            Form::XmlEscaped => "values XML-escaped (&amp; &lt; …) before signing",
            Form::Cdata => "values signed with their CDATA wrapper (<![CDATA[…]]>)",
            Form::Trimmed => "values trimmed of surrounding spaces",
            Form::JsonEscapedUpper => "signed JSON with non-ASCII as \\uXXXX (upper-case hex, as Jackson writes it)",
            Form::JsonEscapedLower => "signed JSON with non-ASCII as \\uxxxx (lower-case hex, as fastjson writes it)",
            Form::JsonPretty => "signed JSON pretty-printed, not compact",
        }
    }

    pub fn is_json(self) -> bool {
        matches!(self, Form::JsonEscapedUpper | Form::JsonEscapedLower | Form::JsonPretty)
    }

    /// The value in this form, or `None` when the form leaves it as it is.
    pub fn apply(self, value: &str) -> Option<String> {
        let json = value.starts_with('{') || value.starts_with('[');
        let changed = match self {
            Form::UrlEncoded => percent_encode(value, false),
            Form::FormEncoded => percent_encode(value, true),
            Form::XmlEscaped => quick_xml::escape::escape(value).into_owned(),
            Form::Cdata => format!("<![CDATA[{value}]]>"),
            Form::Trimmed => value.trim().to_owned(),
            Form::JsonEscapedUpper if json => escape_non_ascii(value, true),
            Form::JsonEscapedLower if json => escape_non_ascii(value, false),
            Form::JsonPretty if json => serde_json::from_str::<serde_json::Value>(value)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())?,
            _ => return None,
        };
        (changed != value).then_some(changed)
    }
}

fn percent_encode(text: &str, form: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        let kept =
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') || (!form && b == b'~') || (form && b == b'*');
        if kept {
            out.push(b as char);
        } else if form && b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Every non-ASCII character as `\uXXXX` (a surrogate pair beyond the BMP). Non-ASCII only occurs inside JSON
/// strings, so the text stays the same JSON.
fn escape_non_ascii(text: &str, upper: bool) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut units = [0u16; 2];
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        for unit in c.encode_utf16(&mut units) {
            if upper {
                out.push_str(&format!("\\u{unit:04X}"));
            } else {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_values_as_other_implementations_do() {
        assert_eq!(Form::UrlEncoded.apply("张 a~*").as_deref(), Some("%E5%BC%A0%20a~%2A"));
        assert_eq!(Form::FormEncoded.apply("张 a~*").as_deref(), Some("%E5%BC%A0+a%7E*"));
        assert_eq!(Form::XmlEscaped.apply("a<b&c").as_deref(), Some("a&lt;b&amp;c"));
        assert_eq!(Form::Cdata.apply("x").as_deref(), Some("<![CDATA[x]]>"));
        assert_eq!(Form::Trimmed.apply("plain"), None);
        assert_eq!(Form::JsonEscapedUpper.apply(r#"{"n":"张三"}"#).as_deref(), Some(r#"{"n":"\u5F20\u4E09"}"#));
        assert_eq!(Form::JsonEscapedLower.apply(r#"["😀"]"#).as_deref(), Some(r#"["\ud83d\ude00"]"#));
        assert_eq!(Form::JsonEscapedUpper.apply("张三"), None, "not JSON");
        assert_eq!(Form::JsonPretty.apply(r#"{"a":1}"#).as_deref(), Some("{\n  \"a\": 1\n}"));
    }
}
