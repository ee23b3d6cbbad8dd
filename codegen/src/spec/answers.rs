//! `answers:` of an interface, as written: each rule's `when` (request values), `code`, `message` and `response`
//! (a template mapping). Meaning — do the fields exist, is the code declared — is checked in `lower::answers`.

use super::ast::{AnswerAst, AnswerValue, Spanned};
use super::reader::{FileReader, MapReader};
use marked_yaml::Node;

pub(super) fn read(r: &mut FileReader, mut map: MapReader) -> Option<AnswerAst> {
    let pos = r.pos(map.span());
    let when = match map.node("when") {
        Some(node) => conditions(r, node),
        None => Vec::new(),
    };
    let answer = AnswerAst {
        pos,
        when,
        code: map.text(r, "code"),
        message: map.text(r, "message"),
        response: map.node("response").and_then(|node| {
            r.mapping(node, "`response` (the response's fields)")?;
            Some(value(r, node))
        }),
    };
    map.finish(r);
    Some(answer)
}

/// `when: { cardNo: "6217…", patientType: [1, 2] }`.
fn conditions(r: &mut FileReader, node: &Node) -> Vec<(super::ast::S, Vec<super::ast::S>)> {
    let Some(map) = node.as_mapping() else {
        r.error(node.span(), "expected `when` (a mapping of request fields to values)");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.iter() {
        let field = Spanned { value: key.as_str().to_owned(), pos: r.pos(key.span()) };
        let values = match value {
            Node::Sequence(seq) => seq.iter().filter_map(|v| r.text(v, "a value of `when`")).collect(),
            _ => r.text(value, "a value of `when`").into_iter().collect(),
        };
        out.push((field, values));
    }
    out
}

fn value(r: &mut FileReader, node: &Node) -> AnswerValue {
    let pos = r.pos(node.span());
    match node {
        Node::Scalar(s) => AnswerValue::Text(Spanned { value: s.as_str().to_owned(), pos }),
        Node::Sequence(seq) => AnswerValue::List(pos, seq.iter().map(|item| value(r, item)).collect()),
        Node::Mapping(map) => AnswerValue::Map(
            pos,
            map.iter()
                .map(|(k, v)| (Spanned { value: k.as_str().to_owned(), pos: r.pos(k.span()) }, value(r, v)))
                .collect(),
        ),
    }
}
