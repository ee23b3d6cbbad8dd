//! A signature carried with its parameters in one structured header: `SCHEME k="v",k="v",…` (WeChat Pay v3's
//! `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`).
//! The rule's `carrier` template says the layout; a sender renders it with `{signature}`, a receiver reads each
//! `name="{input}"` parameter back into that input.

use crate::secret::Inputs;
use crate::template::{self, TemplateError};

/// The carrier's text: the template with the signature and the other inputs in place.
pub fn write(carrier: &str, inputs: &Inputs, signature: &str) -> Result<String, TemplateError> {
    template::render(carrier, &inputs.clone().with("signature", signature))
}

/// The inputs a received value carries, by the names the template's placeholders give them (`signature` among
/// them); `None` when the value is not the template's scheme followed by `name="value"` parameters.
pub fn read(carrier: &str, received: &str) -> Option<Vec<(String, String)>> {
    let (scheme, template_params) = carrier.split_once(' ')?;
    let rest = received.trim().strip_prefix(scheme)?;
    if !rest.starts_with(' ') {
        return None;
    }
    let sent = params(rest)?;
    let mut out = Vec::new();
    for (key, value) in params(template_params)? {
        let Some(name) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) else { continue };
        if let Some((_, value_sent)) = sent.iter().find(|(k, _)| *k == key) {
            out.push((name.to_owned(), (*value_sent).to_owned()));
        }
    }
    Some(out)
}

/// `k="v",k="v"` (spaces around the commas allowed, commas inside quotes kept); `None` if malformed.
fn params(text: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.strip_prefix('"')?;
        let end = after.find('"')?;
        out.push((key.trim(), &after[..end]));
        rest = after[end + 1..].trim_start();
        match rest.strip_prefix(',') {
            Some(next) => rest = next.trim_start(),
            None if rest.is_empty() => {}
            None => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARRIER: &str = r#"WECHATPAY2-SHA256-RSA2048 mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",timestamp="{timestamp}",serial_no="{serial}""#;

    #[test]
    fn a_written_carrier_reads_back_into_its_inputs() {
        let inputs = Inputs::new()
            .with("mchid", "1900009191")
            .with("nonce", "593BEC0C930BF1AFEB40B4A08C8FB242")
            .with("timestamp", "1554208460")
            .with("serial", "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
        let text = write(CARRIER, &inputs, "uOVRnA4qG/MNnYzdQxJanN+zU+lTgIcnU9BxGw5dKjK+VdEUz2FeIoC+D5sB/LN+nGzX3hfZg6r5wT1pl2ZobmIc6p0ldN7J6yDgUzbX8Uk3sD4a4eZVPTBvqNDoUqcYMlZ9uuDdCvNv4TM3c1WzsXUrExwVkI1XO5jCNbgDJ25nkT/c1gIFvqoogl7MdSFGc4W4xZsqCItnqbypR3RuGIlR9h9vlRsy7zJR9PBI83X8alLDIfR1ukt1P7tMnmogZ0cuDY8cZsd8ZlCgLadmvej58SLsIkVxFJ8XmUgx9FJgM0xaolJxqm3sCufvSAObuLSN6zvVJHeHTbaGbAA==").unwrap();
        assert!(text.starts_with(r#"WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C"#), "{text}");
        let params = read(CARRIER, &text).unwrap();
        let get = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("serial"), Some("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"));
        assert_eq!(get("nonce"), Some("593BEC0C930BF1AFEB40B4A08C8FB242"));
        assert!(get("signature").unwrap().ends_with("bAA=="));
        // Parameters in another order and with spaces are the same parameters.
        let reordered = r#"WECHATPAY2-SHA256-RSA2048 serial_no="S", signature="x",mchid="1""#;
        assert_eq!(read(CARRIER, reordered).unwrap().len(), 3);
    }

    #[test]
    fn another_scheme_or_a_malformed_value_is_no_carrier() {
        assert_eq!(read(CARRIER, r#"Bearer mchid="1""#), None);
        assert_eq!(read(CARRIER, r#"WECHATPAY2-SHA256-RSA2048mchid="1""#), None);
        assert_eq!(read(CARRIER, r#"WECHATPAY2-SHA256-RSA2048 mchid="1" nonce_str="2""#), None);
        assert_eq!(read(CARRIER, r#"WECHATPAY2-SHA256-RSA2048 mchid="1"#), None);
    }
}
