//! Wire text indented for reading. Signatures cover values, not layout, so the indented form carries the same
//! message; the walkthrough still shows the exact bytes that were encrypted and signed.

use hisgate_runtime::envelope::Format;
use quick_xml::events::Event;
use quick_xml::{Reader, Writer};

/// The text indented, or as it is when it does not parse (the document's own trailing-comma JSON).
pub fn indent(text: &str, format: Format) -> String {
    match format {
        Format::Json => json(text),
        Format::Xml => xml(text),
    }
    .unwrap_or_else(|| text.to_owned())
}

fn json(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

fn xml(text: &str) -> Option<String> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    loop {
        match reader.read_event().ok()? {
            Event::Eof => break,
            event => writer.write_event(event).ok()?,
        }
    }
    String::from_utf8(writer.into_inner()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_indented_with_its_cdata_kept() {
        let text = r#"<?xml version="1.0" encoding="utf-8"?><root><service><![CDATA[TestNet]]></service></root>"#;
        assert_eq!(
            indent(text, Format::Xml),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root>\n  <service><![CDATA[TestNet]]></service>\n</root>"
        );
    }

    #[test]
    fn json_keeps_its_order_and_numbers() {
        assert_eq!(indent(r#"{"b":10.00,"a":"中"}"#, Format::Json), "{\n  \"b\": 10.00,\n  \"a\": \"中\"\n}");
        assert_eq!(indent(r#"{"ip":"127.0.0.1",}"#, Format::Json), r#"{"ip":"127.0.0.1",}"#);
    }
}
