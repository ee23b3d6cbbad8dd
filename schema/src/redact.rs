//! Personal data in errors and logs: enough to recognise a value, not enough to read it.

/// Masks all but the first and last character: `331166199001011234` → `3****************4`, `张三` → `**`.
pub fn redact(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    match chars.len() {
        0 => String::new(),
        n @ 1..=2 => "*".repeat(n),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// Shows a value in an error message: quoted, redacted when the field is sensitive, cut when very long.
pub fn show(value: &str, sensitive: bool) -> String {
    const MAX: usize = 64;
    let text = if sensitive { redact(value) } else { value.to_owned() };
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut:?}…")
    } else {
        format!("{text:?}")
    }
}

/// `text` cut to at most `max` characters, marked `…` where cut: a log line stays bounded whatever a request held.
pub fn bounded(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some((end, _)) => std::borrow::Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// A payload tree with every sensitive field's value masked, for logs.
pub fn payload(platform: &crate::PlatformSchema, id: crate::MessageId, value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let message = platform.message(id);
    let Value::Object(map) = value else { return value.clone() };
    let masked = map.iter().map(|(name, v)| {
        let v = match message.field(name) {
            Some(f) if f.sensitive => match v {
                Value::String(s) => Value::String(redact(s)),
                Value::Null => Value::Null,
                _ => Value::String("<redacted>".into()),
            },
            Some(f) => match (f.ty.child(), v) {
                (Some(child), Value::Array(items)) => {
                    Value::Array(items.iter().map(|i| payload(platform, child, i)).collect())
                }
                (Some(child), Value::Object(_)) => payload(platform, child, v),
                _ => v.clone(),
            },
            None => v.clone(),
        };
        (name.clone(), v)
    });
    Value::Object(masked.collect())
}

/// Stands in for a sensitive field in generated `Debug` output.
pub struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_ends() {
        assert_eq!(redact("331166199001011234"), "3****************4");
        assert_eq!(redact("张三"), "**");
        assert_eq!(redact("张小凡"), "张*凡");
        assert_eq!(show("13107499464", true), "\"1*********4\"");
        assert_eq!(show("成功", false), "\"成功\"");
    }
}
