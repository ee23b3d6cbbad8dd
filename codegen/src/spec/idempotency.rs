//! `idempotency:` of an interface file: the request fields whose values identify one effect. A list is the key
//! alone (`idempotency: [tradeId]`); a mapping adds where keys are unique and the code a reused key gets.

use super::ast::IdempotencyAst;
use super::reader::{FileReader, MapReader};

pub(super) fn read(r: &mut FileReader, interface: &mut MapReader) -> Option<IdempotencyAst> {
    let node = interface.node("idempotency")?;
    if node.as_sequence().is_some() {
        let pos = r.pos(node.span());
        let key = node.as_sequence()?.iter().filter_map(|item| r.text(item, "an entry of `idempotency`")).collect();
        return Some(IdempotencyAst { pos, key, scope: None, reused: None });
    }
    if node.as_mapping().is_none() {
        let message =
            "`idempotency` must be a list of request fields (`[orderId]`) or a mapping with `key`, found text";
        r.error(node.span(), message);
        return None;
    }
    let mut map = r.mapping(node, "`idempotency`")?;
    let pos = r.pos(map.span());
    let (scope, reused) = (map.text(r, "scope"), map.text(r, "reused"));
    if map.node("key").is_none() {
        r.error(map.span(), "missing required key `key` (the request fields whose values are the key)");
        map.finish(r);
        return None;
    }
    let idempotency = IdempotencyAst { pos, key: map.texts(r, "key"), scope, reused };
    map.finish(r);
    Some(idempotency)
}
