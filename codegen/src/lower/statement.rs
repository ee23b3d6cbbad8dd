//! Statements: the AST of `statements.yaml` into [`StatementSchema`], checking every reference (interface, field,
//! record fields) against the platform and every reading (time format, unit, kind values) on its own.

use crate::diagnostic::Diagnostics;
use crate::spec::ast::S;
use crate::spec::statement::{ColumnAst, DelimitedAst, StatementAst};
use hisgate_schema::*;
use std::collections::HashSet;

/// Lowers a platform's statements; `platform` is `None` for a HIS ledger's mapping (a file source only).
pub fn lower(
    asts: &[StatementAst],
    platform: Option<&PlatformSchema>,
    diags: &mut Diagnostics,
) -> Vec<StatementSchema> {
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for ast in asts {
        if let Some(name) = &ast.name
            && !names.insert(name.value.clone())
        {
            diags.error(&name.pos, format!("duplicate statement `{}`", name.value));
        }
        if let Some(statement) = statement(ast, platform, diags) {
            out.push(statement);
        }
    }
    out
}

fn statement(
    ast: &StatementAst,
    platform: Option<&PlatformSchema>,
    diags: &mut Diagnostics,
) -> Option<StatementSchema> {
    let issuer = match ast.issuer.as_ref().map(|s| s.value.as_str()) {
        Some("platform") => Side::Platform,
        Some("hospital") => Side::Hospital,
        Some(other) => {
            let message = format!("unknown issuer `{other}` (expected platform or hospital)");
            diags.error(&ast.issuer.as_ref()?.pos, message);
            return None;
        }
        None => return None,
    };
    // Every part is checked even when another failed, so one run reports every error.
    let format = format(ast, diags);
    let source = source(ast, platform, format.as_ref(), diags);
    let record = source.as_ref().and_then(|(_, r)| *r);
    let mut columns = Vec::new();
    let mut seen = HashSet::new();
    for c in &ast.columns {
        let Some(meaning) = Meaning::parse(&c.meaning.value) else {
            let all: Vec<&str> = Meaning::ALL.iter().map(|m| m.as_str()).collect();
            let message = format!("unknown column meaning `{}` (expected one of: {})", c.meaning.value, all.join(", "));
            diags.error(&c.meaning.pos, message);
            continue;
        };
        if !seen.insert(meaning) {
            diags.error(&c.meaning.pos, format!("`{}` is declared twice", c.meaning.value));
        }
        if let Some(record) = record {
            for name in &c.names {
                if record.field(&name.value).is_none() {
                    let known: Vec<&str> = record.fields.iter().map(|f| &*f.name).collect();
                    let message =
                        format!("`{}` is not a field of `{}` (fields: {})", name.value, record.path, known.join(", "));
                    diags.error(&name.pos, message);
                }
            }
        }
        columns.push(column(meaning, c, diags));
    }
    for required in [Meaning::Amount, Meaning::Time] {
        if !seen.contains(&required) {
            diags.error(&ast.pos, format!("statement needs the `{}` column", required.as_str()));
        }
    }
    let key = id_meaning(ast.key.as_ref(), "key", &seen, diags);
    let refund_key = ast.refund_key.as_ref().map(|k| id_meaning(Some(k), "refund_key", &seen, diags));
    let (Some(format), Some((source, _)), Some(key)) = (format, source, key) else {
        return None;
    };
    let refund_key = match refund_key {
        Some(k) => Some(k?),
        None => None,
    };
    Some(StatementSchema {
        name: owned(&ast.name),
        title: owned(&ast.title),
        section: ast.section.as_ref().map(|s| Str::Owned(s.value.clone())),
        description: owned(&ast.description),
        issuer,
        source,
        format,
        columns: Seq::Owned(columns),
        key,
        refund_key,
        origin: ast.pos.clone(),
    })
}

fn owned(value: &Option<S>) -> Str {
    Str::Owned(value.as_ref().map(|s| s.value.clone()).unwrap_or_default())
}

fn id_meaning(value: Option<&S>, what: &str, seen: &HashSet<Meaning>, diags: &mut Diagnostics) -> Option<Meaning> {
    let value = value?;
    match Meaning::parse(&value.value).filter(|m| m.is_id()) {
        Some(m) if seen.contains(&m) => Some(m),
        Some(_) => {
            diags.error(&value.pos, format!("`{what}` `{}` names no declared column", value.value));
            None
        }
        None => {
            let message = format!(
                "`{what}` must be an id meaning (platform_order_id, platform_refund_id, hospital_order_id, \
                 hospital_refund_id, trade_id), found `{}`",
                value.value
            );
            diags.error(&value.pos, message);
            None
        }
    }
}

fn column(meaning: Meaning, c: &ColumnAst, diags: &mut Diagnostics) -> StatementColumn {
    let format = match (&c.format, meaning) {
        (Some(f), Meaning::Time) => match TimeFormat::parse(&f.value) {
            Ok(format) => Some(format),
            Err(e) => {
                diags.error(&f.pos, format!("time format `{}`: {e}", f.value));
                None
            }
        },
        (Some(f), _) => {
            diags.error(&f.pos, format!("`format` belongs to `time`, not `{}`", c.meaning.value));
            None
        }
        (None, Meaning::Time) => {
            diags.error(&c.meaning.pos, "`time` needs `format` (e.g. `YYYY-MM-DD HH24:MI:SS`)");
            None
        }
        (None, _) => None,
    };
    let unit = match (&c.unit, meaning) {
        (Some(u), Meaning::Amount) => match u.value.as_str() {
            "yuan" => Some(MoneyUnit::Yuan),
            "fen" => Some(MoneyUnit::Fen),
            other => {
                diags.error(&u.pos, format!("unknown unit `{other}` (expected yuan or fen)"));
                None
            }
        },
        (Some(u), _) => {
            diags.error(&u.pos, format!("`unit` belongs to `amount`, not `{}`", c.meaning.value));
            None
        }
        (None, Meaning::Amount) => {
            diags.error(&c.meaning.pos, "`amount` needs `unit` (yuan or fen)");
            None
        }
        (None, _) => None,
    };
    let has_values = !c.pay.is_empty() || !c.refund.is_empty();
    if meaning == Meaning::Kind && (c.pay.is_empty() || c.refund.is_empty()) {
        diags.error(&c.meaning.pos, "`kind` needs both `pay` and `refund` (the values meaning each)");
    } else if meaning != Meaning::Kind && has_values {
        diags.error(&c.meaning.pos, format!("`pay`/`refund` belong to `kind`, not `{}`", c.meaning.value));
    }
    for p in &c.pay {
        if c.refund.iter().any(|r| r.value == p.value) {
            diags.error(&p.pos, format!("`{}` is listed as both pay and refund", p.value));
        }
    }
    StatementColumn {
        meaning,
        names: c.names.iter().map(|n| Str::Owned(n.value.clone())).collect::<Vec<_>>().into(),
        format,
        unit,
        pay: c.pay.iter().map(|n| Str::Owned(n.value.clone())).collect::<Vec<_>>().into(),
        refund: c.refund.iter().map(|n| Str::Owned(n.value.clone())).collect::<Vec<_>>().into(),
        origin: c.meaning.pos.clone(),
    }
}

fn format(ast: &StatementAst, diags: &mut Diagnostics) -> Option<StatementFormat> {
    let f = ast.format.as_ref()?;
    if let Some(records) = &f.records {
        if records.value != "records" {
            diags.error(&records.pos, format!("`format` must be `records` or a mapping, found `{}`", records.value));
            return None;
        }
        return Some(StatementFormat::Records);
    }
    let Some(d) = &f.delimited else {
        diags.error(&f.pos, "`format` needs `delimited` (or write `format: records`)");
        return None;
    };
    delimited(d, diags).map(StatementFormat::Delimited)
}

fn delimited(d: &DelimitedAst, diags: &mut Diagnostics) -> Option<Delimited> {
    let one_char = |s: &S, what: &str, diags: &mut Diagnostics| {
        let value = if s.value == "\\t" { "\t" } else { s.value.as_str() };
        let mut chars = value.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c != '\r' && c != '\n' => Some(c),
            _ => {
                diags.error(&s.pos, format!("`{what}` must be one character (not a line break), found `{}`", s.value));
                None
            }
        }
    };
    let separator = d.separator.as_ref().map_or(Some(','), |s| one_char(s, "separator", diags));
    let quote = d.quote.as_ref().map(|q| one_char(q, "quote", diags));
    if let (Some(q), Some(Some(quote)), Some(separator)) = (&d.quote, quote, separator)
        && quote == separator
    {
        diags.error(&q.pos, "`quote` and `separator` must differ");
    }
    let header = match d.header.as_ref().map(|h| h.value.as_str()) {
        None | Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            diags.error(&d.header.as_ref()?.pos, format!("`header` must be true or false, found `{other}`"));
            None
        }
    };
    let encoding = match d.encoding.as_ref().map(|e| e.value.to_ascii_lowercase()) {
        None => Some(Charset::Utf8),
        Some(e) if e == "utf-8" || e == "utf8" => Some(Charset::Utf8),
        Some(e) if e == "gbk" || e == "gb18030" => Some(Charset::Gbk),
        Some(other) => {
            diags.error(&d.encoding.as_ref()?.pos, format!("unknown encoding `{other}` (expected utf-8 or gbk)"));
            None
        }
    };
    let compression = match d.compression.as_ref().map(|c| c.value.as_str()) {
        None | Some("none") => Some(Compression::None),
        Some("gzip") => Some(Compression::Gzip),
        Some(other) => {
            diags.error(&d.compression.as_ref()?.pos, format!("unknown compression `{other}` (expected none or gzip)"));
            None
        }
    };
    let texts = |v: &[S]| v.iter().map(|s| Str::Owned(s.value.clone())).collect::<Vec<_>>().into();
    Some(Delimited {
        separator: separator?,
        quote: match quote {
            Some(q) => Some(q?),
            None => None,
        },
        header: header?,
        comments: texts(&d.comments),
        summary: texts(&d.summary),
        value_prefix: d.value_prefix.as_ref().map(|p| Str::Owned(p.value.clone())),
        encoding: encoding?,
        compression: compression?,
    })
}

/// The source, and for `records` the message whose fields the columns name. Without a `format` (missing or
/// refused, and reported) the field is not judged against a format it may not have.
fn source<'p>(
    ast: &StatementAst,
    platform: Option<&'p PlatformSchema>,
    format: Option<&StatementFormat>,
    diags: &mut Diagnostics,
) -> Option<(StatementSource, Option<&'p MessageSchema>)> {
    let s = ast.source.as_ref()?;
    match (&s.interface, &s.field, &s.file) {
        (None, None, Some(file)) => {
            if let Some((name, _)) = s.request.first() {
                diags.error(&name.pos, "`request` applies to an interface source, not a file");
            }
            if let Some(code) = &s.no_rows {
                diags.error(&code.pos, "`no_rows` applies to an interface source, not a file");
            }
            if matches!(format, Some(StatementFormat::Records)) {
                diags.error(&file.pos, "a file statement must be `delimited` (records come from an interface)");
                return None;
            }
            Some((StatementSource::File { description: Str::Owned(file.value.clone()) }, None))
        }
        (Some(interface), Some(field), None) => {
            let Some(platform) = platform else {
                diags.error(&interface.pos, "a HIS ledger mapping takes `source: { file: … }` only");
                return None;
            };
            let Some(i) = platform.interface(&interface.value) else {
                diags.error(&interface.pos, format!("unknown interface `{}`", interface.value));
                return None;
            };
            let response = platform.message(i.response);
            let source = StatementSource::Interface {
                interface: Str::Owned(interface.value.clone()),
                field: Str::Owned(field.value.clone()),
                request: request(&s.request, platform.message(i.request), &interface.value, diags).into(),
                no_rows: s.no_rows.as_ref().and_then(|code| {
                    let declared = i.return_codes.iter().chain(platform.return_codes.iter());
                    if declared.clone().any(|c| c.code == code.value) {
                        return Some(Str::Owned(code.value.clone()));
                    }
                    diags.error(
                        &code.pos,
                        format!("`{}` is not a return code of `{}` or of the platform", code.value, interface.value),
                    );
                    None
                }),
            };
            // The document gives no fields (onepay's hop.trade.details): the statement's columns are the record.
            if response.kind == MessageKind::Open {
                return Some((source, None));
            }
            let Some(f) = response.field(&field.value) else {
                let known: Vec<&str> = response.fields.iter().map(|f| &*f.name).collect();
                let message = format!(
                    "`{}` is not a response field of `{}` (fields: {})",
                    field.value,
                    interface.value,
                    if known.is_empty() { "none: its payload is open".to_owned() } else { known.join(", ") }
                );
                diags.error(&field.pos, message);
                return None;
            };
            let record = match (format, f.ty.child()) {
                (None, _) => None,
                (Some(StatementFormat::Records), Some(child)) => Some(platform.message(child)),
                (Some(StatementFormat::Records), None) => {
                    diags
                        .error(&field.pos, format!("`records` needs a list or object field; `{}` is not", field.value));
                    return None;
                }
                (Some(StatementFormat::Delimited(_)), None) if f.ty.is_text() => None,
                (Some(StatementFormat::Delimited(_)), _) => {
                    diags.error(
                        &field.pos,
                        format!("a delimited statement needs a text field; `{}` is not", field.value),
                    );
                    return None;
                }
            };
            Some((source, record))
        }
        _ => {
            diags.error(&s.pos, "`source` takes `interface` and `field`, or `file`, not both nor neither");
            None
        }
    }
}

/// The statement call's request fields: each a field of the interface's request, `{date±N}` only in a field a
/// date can be written into (a declared time format, or text).
fn request(fields: &[(S, S)], message: &MessageSchema, interface: &str, diags: &mut Diagnostics) -> Vec<RequestValue> {
    let mut out = Vec::new();
    for (name, value) in fields {
        let Some(field) = message.field(&name.value) else {
            let known: Vec<&str> = message.fields.iter().map(|f| &*f.name).collect();
            diags.error(
                &name.pos,
                format!("`{}` is not a request field of `{interface}` (fields: {})", name.value, known.join(", ")),
            );
            continue;
        };
        let text = match day_offset(&value.value) {
            Some(Ok(days)) => {
                if !field.ty.is_text() {
                    diags.error(&value.pos, format!("`{}` is not text: a date cannot be written into it", name.value));
                    continue;
                }
                RequestText::Day(days)
            }
            Some(Err(message)) => {
                diags.error(&value.pos, message);
                continue;
            }
            None => RequestText::Text(Str::Owned(value.value.clone())),
        };
        out.push(RequestValue { field: field.name.clone(), value: text });
    }
    out
}

/// `{date}` → 0, `{date+1}` → 1, `{date-7}` → -7; `None` for text that is no placeholder.
fn day_offset(text: &str) -> Option<Result<i8, String>> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let rest = inner.strip_prefix("date")?;
    if rest.is_empty() {
        return Some(Ok(0));
    }
    let invalid = || format!("`{text}` is not a day (expected {{date}}, {{date+N}} or {{date-N}}, N up to 31)");
    let signed = rest.starts_with(['+', '-']) && rest.len() > 1;
    let days = rest.strip_prefix('+').unwrap_or(rest).parse::<i8>().ok().filter(|d| signed && (-31..=31).contains(d));
    Some(days.ok_or_else(invalid))
}
