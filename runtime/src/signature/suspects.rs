//! The usual suspects of the lines form and of key rings: the string to sign without its last `\n`, the body
//! re-serialized (compact, pretty-printed, keys sorted) where it must be signed as sent, and another key of the ring
//! than the one the message's key id names.

use super::variants::{Family, Op, Space, Subject};
use crate::codec::{Limits, json};
use crate::schema::DigestStep;
use serde_json::Value;

pub(super) fn variants(subject: &Subject, out: &mut Space) {
    let last = "the string to sign without the `\\n` that ends its last line";
    out.push(Family::Lines, last.into(), vec![Op::NoFinalNewline]);
    if let Some(body) = subject.inputs.get("body")
        && let Ok(value) = json::parse(body, Limits::default())
    {
        let written = [
            ("compact JSON", value.to_string()),
            ("pretty-printed JSON", serde_json::to_string_pretty(&value).unwrap_or_default()),
            ("JSON with its keys sorted", crate::envelope::sorted_json(&value)),
        ];
        for (how, text) in written {
            if text != body && !text.is_empty() {
                let label = format!("the body re-serialized as {how}, not signed as sent");
                out.push(Family::Lines, label, vec![Op::Input("body".into(), text)]);
            }
        }
        if let Value::Object(_) = value
            && body.ends_with('\n')
        {
            let trimmed = body.trim_end().to_owned();
            out.push(
                Family::Lines,
                "the body without its final newline".into(),
                vec![Op::Input("body".into(), trimmed)],
            );
        }
    }
    key_ring(subject, out);
}

/// Every other key of a ring, where the key id is one input (`key-id={serial}`).
fn key_ring(subject: &Subject, out: &mut Space) {
    let chain = &subject.rule.digest;
    let Some(DigestStep::Sign { public, key_id: Some(id), .. }) =
        chain.iter().find(|s| matches!(s, DigestStep::Sign { .. }))
    else {
        return;
    };
    let Some(input) = id.strip_prefix('{').and_then(|i| i.strip_suffix('}')).filter(|i| !i.contains(['{', '}'])) else {
        return;
    };
    let Ok(ring) = crate::template::render(public, subject.inputs) else { return };
    let Ok(ids) = super::asymmetric::ring_ids(&ring) else { return };
    let named = subject.inputs.get(input).unwrap_or_default();
    let ids = ids.into_iter().filter(|id| id != named);
    for other in ids {
        let label = format!("the key `{other}` of the key ring, not `{named}`, which the message names");
        out.push(Family::Key, label, vec![Op::Input(input.to_owned(), other)]);
    }
}
