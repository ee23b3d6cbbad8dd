//! `answers:` of an interface: what a spec-driven counterpart (`hisgate serve --generic`) answers, rule by rule.
//! The first rule whose `when` holds for the request answers; a request no rule matches is answered from the
//! fields' examples, else with generated values (`crate::sample`).

use super::{Seq, SourcePos, Str};

#[derive(Debug, Clone, PartialEq)]
pub struct AnswerSchema {
    /// Every condition must hold (none: the rule matches every request).
    pub when: Seq<AnswerCondition>,
    /// The business return code; `None` is the platform's success code.
    pub code: Option<Str>,
    /// The reply's message for a failure code, after the code's own (as a handler's failure gives it).
    pub message: Option<Str>,
    /// The response payload as JSON text: strings may hold placeholders ([`placeholders`]).
    pub response: Option<Str>,
    pub origin: SourcePos,
}

/// A request value (wire names, a dotted path through objects) that must be one of `values`.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerCondition {
    pub field: Str,
    pub values: Seq<Str>,
}

/// A placeholder of a response template: `{request.PATH}`, `{now}`, `{now|%Y%m%d}`, `{today}`, `{unique}`,
/// `{seq}` or `{seq|6}` (zero-padded to six digits). The syntax of scenario templates, over the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placeholder<'t> {
    /// A request value, by wire names through objects.
    Request(&'t str),
    /// The current time in the platform's zone, in chrono's `strftime` format (default `%Y-%m-%d %H:%M:%S`).
    Now(Option<&'t str>),
    /// Today's date (default `%Y-%m-%d`).
    Today(Option<&'t str>),
    /// A token no other answer of this server shares.
    Unique,
    /// 1, 2, 3, … per interface, zero-padded to the width given.
    Seq(usize),
}

/// A template split into text and placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<'t> {
    Text(&'t str),
    Value(Placeholder<'t>),
}

/// Splits `text` into its parts; the error names the placeholder that is not one.
pub fn placeholders(text: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or_else(|| format!("`{text}` has a `{{` without its `}}`"))? + open;
        if open > 0 {
            parts.push(Part::Text(&rest[..open]));
        }
        parts.push(Part::Value(placeholder(&rest[open + 1..close])?));
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("`{text}` has a `}}` without its `{{`"));
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

fn placeholder(inner: &str) -> Result<Placeholder<'_>, String> {
    let (name, format) = match inner.split_once('|') {
        Some((name, format)) => (name, Some(format)),
        None => (inner, None),
    };
    let unformatted = |p: Placeholder<'static>| match format {
        None => Ok(p),
        Some(f) => Err(format!("`{{{inner}}}`: `{name}` takes no format (`|{f}`)")),
    };
    match name {
        "now" => Ok(Placeholder::Now(format.map(checked_time_format).transpose()?)),
        "today" => Ok(Placeholder::Today(format.map(checked_time_format).transpose()?)),
        "unique" => unformatted(Placeholder::Unique),
        "seq" => match format {
            None => Ok(Placeholder::Seq(0)),
            Some(width) => match width.parse::<usize>() {
                Ok(width) if width <= 32 => Ok(Placeholder::Seq(width)),
                _ => Err(format!("`{{{inner}}}`: the width of `seq` is a number of digits up to 32")),
            },
        },
        _ => match name.strip_prefix("request.") {
            Some(path) if !path.is_empty() && format.is_none() => Ok(Placeholder::Request(path)),
            _ => Err(format!(
                "`{{{inner}}}` is not a placeholder (expected request.FIELD, now, now|FORMAT, today, unique, seq, seq|WIDTH)"
            )),
        },
    }
}

/// A `strftime` format chrono can write (an unknown `%` item would fail only when written).
fn checked_time_format(format: &str) -> Result<&str, String> {
    use chrono::format::{Item, StrftimeItems};
    if format.is_empty() || StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        return Err(format!("`{format}` is not a time format (chrono's strftime: %Y%m%d %H:%M:%S)"));
    }
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_templates_and_names_what_is_not_a_placeholder() {
        let parts = placeholders("GH{now|%Y%m%d}{seq|4}-{request.card.no}").unwrap();
        assert_eq!(
            parts,
            [
                Part::Text("GH"),
                Part::Value(Placeholder::Now(Some("%Y%m%d"))),
                Part::Value(Placeholder::Seq(4)),
                Part::Text("-"),
                Part::Value(Placeholder::Request("card.no")),
            ]
        );
        assert_eq!(placeholders("成功").unwrap(), [Part::Text("成功")]);
        assert!(placeholders("{cardNo}").unwrap_err().contains("not a placeholder"));
        assert!(placeholders("{now|%Q}").unwrap_err().contains("not a time format"));
        assert!(placeholders("{unique|x}").unwrap_err().contains("takes no format"));
        assert!(placeholders("{seq|x}").unwrap_err().contains("width"));
        assert!(placeholders("a{b").unwrap_err().contains("without its"));
        assert!(placeholders("a}b").unwrap_err().contains("without its"));
    }
}
