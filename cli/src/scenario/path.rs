//! Paths into replies and saved values: `response.orders[0].orderId`, and selectors for picking from lists the
//! server filled — `[*]` every element, `[?cond]` the elements where `cond` holds. A condition is a relative path
//! that must find something (`date[?noon[?status=1]]`), `path=text` / `path!=text`, or a comparison of numbers
//! `path>N` / `path<N`; conditions in a row must all hold. A path with selectors stands for every value it reaches; the first one is taken.
//!
//! `schedule[*].date[?noon[?status=1][?remainCount!=0]].registerDate`: the first day with an open half-day.

use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Field(String),
    Index(usize),
    All,
    Filter(Condition),
}

#[derive(Debug, Clone, PartialEq)]
struct Condition {
    path: Vec<Segment>,
    test: Test,
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Found,
    Equal(String),
    NotEqual(String),
    Above(Decimal),
    Below(Decimal),
}

/// The first value at `path` in `root`; `None` when the path reaches nothing or is not well formed.
pub fn lookup<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    let segments = parse(path).ok()?;
    reach(root, &segments).into_iter().next()
}

/// Whether `path` is well formed, with the reason when it is not; for checking scenario files when they load.
pub fn check(path: &str) -> Result<(), String> {
    parse(path).map(|_| ())
}

fn reach<'v>(root: &'v Value, path: &[Segment]) -> Vec<&'v Value> {
    let mut current = vec![root];
    for segment in path {
        current = current
            .into_iter()
            .flat_map(|value| -> Vec<&'v Value> {
                match (segment, value) {
                    (Segment::Field(name), Value::Object(map)) => map.get(name).into_iter().collect(),
                    (Segment::Index(i), Value::Array(items)) => items.get(*i).into_iter().collect(),
                    (Segment::All, Value::Array(items)) => items.iter().collect(),
                    (Segment::Filter(condition), Value::Array(items)) => {
                        items.iter().filter(|item| holds(item, condition)).collect()
                    }
                    // A second condition in a row (`[?a=1][?b=2]`) filters the elements the first kept.
                    (Segment::Filter(condition), item) => {
                        if holds(item, condition) {
                            vec![item]
                        } else {
                            Vec::new()
                        }
                    }
                    _ => Vec::new(),
                }
            })
            .collect();
    }
    current
}

fn holds(item: &Value, condition: &Condition) -> bool {
    let found = reach(item, &condition.path);
    let text = |v: &&Value| hisgate_runtime::validate::scalar_text(v);
    match &condition.test {
        Test::Found => !found.is_empty(),
        Test::Equal(expected) => found.iter().filter_map(text).any(|t| t == *expected),
        Test::NotEqual(other) => found.iter().filter_map(text).any(|t| t != *other),
        Test::Above(bound) => found.iter().filter_map(text).any(|t| Decimal::from_str(&t).is_ok_and(|n| n > *bound)),
        Test::Below(bound) => found.iter().filter_map(text).any(|t| Decimal::from_str(&t).is_ok_and(|n| n < *bound)),
    }
}

fn parse(path: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        if end > 0 {
            segments.push(Segment::Field(rest[..end].to_owned()));
        }
        rest = &rest[end..];
        while let Some(inner) = rest.strip_prefix('[') {
            let close = matching_bracket(inner).ok_or_else(|| format!("`{path}`: a `[` without its `]`"))?;
            segments.push(bracket(path, &inner[..close])?);
            rest = &inner[close + 1..];
        }
        match rest.strip_prefix('.') {
            Some(after) if !after.is_empty() => rest = after,
            Some(_) => return Err(format!("`{path}` ends with `.`")),
            None if rest.is_empty() => {}
            None => return Err(format!("`{path}`: unexpected `{rest}`")),
        }
    }
    if segments.is_empty() {
        return Err("an empty path".to_owned());
    }
    Ok(segments)
}

/// The position of the `]` closing a bracket whose content starts `text`.
fn matching_bracket(text: &str) -> Option<usize> {
    let mut depth = 0_usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' if depth == 0 => return Some(i),
            ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn bracket(path: &str, content: &str) -> Result<Segment, String> {
    if content == "*" {
        return Ok(Segment::All);
    }
    if let Some(condition) = content.strip_prefix('?') {
        // The comparison is the first `=`, `>` or `<` outside nested brackets; `!=` when a `!` precedes `=`.
        let mut depth = 0_usize;
        let mut split = None;
        for (i, c) in condition.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                '=' | '>' | '<' if depth == 0 => {
                    split = Some((i, c));
                    break;
                }
                _ => {}
            }
        }
        let number = |text: &str| {
            Decimal::from_str(text).map_err(|_| format!("`{path}`: `{text}` is not a number to compare with"))
        };
        let (left, test) = match split {
            None => (condition, Test::Found),
            Some((i, '>')) => (&condition[..i], Test::Above(number(&condition[i + 1..])?)),
            Some((i, '<')) => (&condition[..i], Test::Below(number(&condition[i + 1..])?)),
            Some((i, _)) if condition[..i].ends_with('!') => {
                (&condition[..i - 1], Test::NotEqual(condition[i + 1..].to_owned()))
            }
            Some((i, _)) => (&condition[..i], Test::Equal(condition[i + 1..].to_owned())),
        };
        return Ok(Segment::Filter(Condition { path: parse(left)?, test }));
    }
    content
        .parse()
        .map(Segment::Index)
        .map_err(|_| format!("`{path}`: `[{content}]` is neither an index, `[*]` nor a condition `[?…]`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn follows_fields_and_indexes() {
        let reply = json!({"code": "SUCCESS", "response": {"orders": [{"orderId": "1"}, {"orderId": "2"}]}});
        assert_eq!(lookup(&reply, "response.orders[1].orderId"), Some(&json!("2")));
        assert_eq!(lookup(&reply, "code"), Some(&json!("SUCCESS")));
        assert_eq!(lookup(&reply, "response.orders[5]"), None);
        assert_eq!(lookup(&reply, "response.orders.orderId"), None);
    }

    #[test]
    fn selects_the_first_element_meeting_nested_conditions() {
        let schedule = json!({"schedule": [
            {"doctorId": "D1", "date": [{"registerDate": "2026-11-23", "noon": [{"id": "a", "status": 0, "remainCount": 5}]}]},
            {"doctorId": "D2", "date": [
                {"registerDate": "2026-11-23", "noon": [{"id": "b", "status": 1, "remainCount": 0}]},
                {"registerDate": "2026-11-24", "noon": [{"id": "c", "status": 1, "remainCount": 0}, {"id": "d", "status": 1, "remainCount": 3}]}
            ]}
        ]});
        let open = "[?status=1][?remainCount!=0]";
        let day = lookup(&schedule, &format!("schedule[*].date[?noon{open}]")).unwrap();
        assert_eq!(day["registerDate"], "2026-11-24");
        let noon = format!("schedule[*].date[?noon{open}].noon{open}.id");
        assert_eq!(lookup(&schedule, &noon), Some(&json!("d")));
        assert_eq!(lookup(&schedule, "schedule[?doctorId=D2].date[0].registerDate"), Some(&json!("2026-11-23")));
        assert_eq!(lookup(&schedule, "schedule[*].date[*].noon[?status=2]"), None);
        assert_eq!(lookup(&schedule, "schedule[?date].doctorId"), Some(&json!("D1")));
        assert_eq!(lookup(&schedule, "schedule[*].date[*].noon[?remainCount>2].id"), Some(&json!("a")));
        assert_eq!(lookup(&schedule, "schedule[*].date[*].noon[?status=1][?remainCount>2].id"), Some(&json!("d")));
        assert_eq!(lookup(&schedule, "schedule[*].date[*].noon[?remainCount<1].id"), Some(&json!("b")));
    }

    #[test]
    fn says_what_is_wrong_with_a_path() {
        assert!(check("a[").unwrap_err().contains("without its `]`"));
        assert!(check("a[x]").unwrap_err().contains("neither an index"));
        assert!(check("a.").unwrap_err().contains("ends with"));
        assert!(check("").is_err());
        assert!(check("a[?b[?c=1]].d").is_ok());
        assert!(check("a[?b>x]").unwrap_err().contains("not a number"));
    }
}
