//! Text as the site shows it: the specs' Markdown descriptions as HTML, and the IR's enums as Chinese labels.

use hisgate_runtime::schema::{FieldSchema, FieldType, HttpMethod, MoneyUnit, Presence, Side};
use pulldown_cmark::{Event, Options, Parser, html};

/// A description (Markdown) as HTML. Raw HTML in the text is shown as text, never interpreted: descriptions quote
/// XML (`<request>`) and must not turn into markup.
pub fn markdown(text: &str) -> String {
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let events = parser.map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// A one-line text (a title) as inline HTML: `code` spans and emphasis, without a paragraph around it.
pub fn inline(text: &str) -> String {
    let html = markdown(text);
    let trimmed = html.trim_end();
    trimmed.strip_prefix("<p>").and_then(|t| t.strip_suffix("</p>")).unwrap_or(trimmed).to_owned()
}

/// A description inside a Markdown table cell: one line, its paragraphs and list items separated by `<br>`, the
/// source's hard-wrapped lines joined, pipes escaped.
pub fn md_cell(text: &str) -> String {
    let mut out = String::new();
    let mut paragraph_break = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            paragraph_break = true;
            continue;
        }
        let item = line.starts_with("- ")
            || line.starts_with("* ")
            || line.split_once(". ").is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        if !out.is_empty() {
            out.push_str(if paragraph_break || item { "<br>" } else { " " });
        }
        out.push_str(line);
        paragraph_break = false;
    }
    out.replace('|', "\\|")
}

/// Who serves an interface, and so who calls it.
pub fn provider(side: Side) -> &'static str {
    match side {
        Side::Hospital => "医院提供，平台调用",
        Side::Platform => "平台提供，医院调用",
    }
}

pub fn side(side: Side) -> &'static str {
    match side {
        Side::Hospital => "医院",
        Side::Platform => "平台",
    }
}

pub fn method(method: HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
    }
}

pub fn presence(presence: &Presence) -> String {
    match presence {
        Presence::Required => "必填".into(),
        Presence::Optional => "可选".into(),
        Presence::RequiredWhen(condition) => format!("当 {condition} 时必填"),
    }
}

/// What the type column adds to the spec notation: the limits a value must keep.
pub fn type_notes(field: &FieldSchema) -> Vec<String> {
    let mut notes = Vec::new();
    match field.ty {
        FieldType::String { max_chars: Some(n) } => notes.push(format!("最多 {n} 个字符")),
        FieldType::Char { max_bytes } => notes.push(format!("最多 {max_bytes} 字节（UTF-8）")),
        FieldType::Decimal { precision, scale } => notes.push(format!("共 {precision} 位数字，其中小数 {scale} 位")),
        FieldType::List(_) => notes.push("可重复".into()),
        FieldType::Map => notes.push("开放对象，原样保留".into()),
        _ => {}
    }
    if let Some(format) = &field.format {
        notes.push(format!("格式 {}", format.pattern));
    }
    if let Some(unit) = field.unit {
        notes.push(
            match unit {
                MoneyUnit::Yuan => "单位：元",
                MoneyUnit::Fen => "单位：分",
            }
            .into(),
        );
    }
    match (&field.min, &field.max) {
        (Some(min), Some(max)) => notes.push(format!("范围 {min}–{max}")),
        (Some(min), None) => notes.push(format!("不小于 {min}")),
        (None, Some(max)) => notes.push(format!("不大于 {max}")),
        (None, None) => {}
    }
    if field.ty.is_number() && field.json == hisgate_runtime::schema::JsonNumber::String {
        notes.push("JSON 中写作字符串".into());
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_in_descriptions_stays_text() {
        let html = markdown("The root is <request>, see `<ip>`.");
        assert!(html.contains("&lt;request&gt;") && html.contains("<code>&lt;ip&gt;</code>"), "{html}");
    }

    #[test]
    fn table_cells_hold_one_line() {
        assert_eq!(md_cell("a | b\n\n c \n"), "a \\| b<br>c");
        assert_eq!(md_cell("one\nline\n- item\n- item"), "one line<br>- item<br>- item");
    }
}
