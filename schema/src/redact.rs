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
    let mut masked = value.clone();
    mask(platform, id, &mut masked);
    masked
}

/// Masks every sensitive field's value of a payload tree in place (what [`payload`] does to a copy).
pub fn mask(platform: &crate::PlatformSchema, id: crate::MessageId, value: &mut serde_json::Value) {
    use serde_json::Value;
    let message = platform.message(id);
    let Value::Object(map) = value else { return };
    // Keys usually come in the schema's order: each is found from where the previous one was.
    let mut hint = 0;
    for (name, v) in map.iter_mut() {
        let field = match message.position_from(name, hint) {
            Some(i) => {
                hint = i + 1;
                Some(&message.fields[i])
            }
            None => message.field(name),
        };
        let Some(field) = field else { continue };
        if field.sensitive {
            *v = match v {
                Value::String(s) => Value::String(redact(s)),
                Value::Null => Value::Null,
                _ => Value::String("<redacted>".into()),
            };
            continue;
        }
        match (field.ty.child(), v) {
            (Some(child), Value::Array(items)) => items.iter_mut().for_each(|item| mask(platform, child, item)),
            (Some(child), v @ Value::Object(_)) => mask(platform, child, v),
            _ => {}
        }
    }
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
