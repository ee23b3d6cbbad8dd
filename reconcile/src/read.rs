//! Rows of a statement, read as its declaration says: delimited text (separator, quote, header, comment and
//! summary lines, value prefix, UTF-8 or GBK) or an interface's records (JSON objects). A row that cannot be read
//! is a [`BadRow`] naming `source:line` and why: counted and reported, never dropped in silence.

use hisgate_runtime::schema::{
    Charset, Compression, Delimited, Meaning, MoneyUnit, StatementColumn, StatementFormat, StatementSchema,
};
use rust_decimal::Decimal;
use std::io::BufRead;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Platform,
    His,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Platform => "platform",
            Side::His => "his",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Pay,
    Refund,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pay => "pay",
            Kind::Refund => "refund",
        }
    }
}

/// One money row, normalised: amount in yuan, time as the statement wrote it parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Rec {
    pub key: String,
    pub kind: Kind,
    /// The refund key (empty for payments or when the statement has none).
    pub refund_id: String,
    pub amount: Decimal,
    pub time: chrono::NaiveDateTime,
    pub channel: String,
    /// `file:line` of the row.
    pub at: String,
    /// The row as read, for the report.
    pub raw: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    pub at: String,
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.reason)
    }
}

/// What a row read to: money, a row that moves none (a kind outside pay and refund), or a bad row.
pub enum Read {
    Row(Rec),
    Ignored,
    Bad(BadRow),
}

/// The values of one row by meaning.
struct Reader<'s> {
    statement: &'s StatementSchema,
    key: Meaning,
    refund_key: Option<Meaning>,
}

impl Reader<'_> {
    /// `get` answers a column name with its value in this row (None: no such column).
    fn row<'v>(&self, at: String, raw: String, get: impl Fn(&str) -> Option<&'v str>) -> Read {
        let value = |c: &StatementColumn| c.names.iter().filter_map(|n| get(n)).find(|v| !v.is_empty());
        let meaning = |m: Meaning| self.statement.column(m).and_then(value).unwrap_or("").trim();
        let bad = |reason: String| Read::Bad(BadRow { at: at.clone(), reason });
        let key = meaning(self.key);
        if key.is_empty() {
            return bad(format!("no {} (the key)", self.key.as_str()));
        }
        let kind = match self.statement.column(Meaning::Kind) {
            None => Kind::Pay,
            Some(c) => {
                let v = value(c).unwrap_or("").trim();
                if c.pay.iter().any(|p| p == v) {
                    Kind::Pay
                } else if c.refund.iter().any(|p| p == v) {
                    Kind::Refund
                } else {
                    return Read::Ignored;
                }
            }
        };
        let amount_col = self.statement.column(Meaning::Amount);
        let text = amount_col.and_then(value).unwrap_or("").trim();
        let Ok(mut amount) = text.parse::<Decimal>() else {
            return bad(format!("amount `{text}` is not a number"));
        };
        if amount_col.and_then(|c| c.unit) == Some(MoneyUnit::Fen) {
            amount /= Decimal::ONE_HUNDRED;
        }
        // A refund written negative is the same refund.
        let amount = amount.abs().normalize();
        let time_col = self.statement.column(Meaning::Time);
        let text = time_col.and_then(value).unwrap_or("").trim();
        let time = match time_col.and_then(|c| c.format.as_ref()) {
            Some(f) => match f.read(text) {
                Ok(t) => t,
                Err(e) => return bad(format!("time `{text}` is not {}: {e}", f.pattern)),
            },
            None => return bad("the statement declares no time format".into()),
        };
        let refund_id = match (kind, self.refund_key) {
            (Kind::Refund, Some(m)) => meaning(m).to_owned(),
            _ => String::new(),
        };
        Read::Row(Rec {
            key: key.to_owned(),
            kind,
            refund_id,
            amount,
            time,
            channel: meaning(Meaning::Channel).to_owned(),
            at,
            raw,
        })
    }
}

/// A statement file's bytes, gunzipped when the statement declares `compression: gzip` or the bytes start with
/// gzip's magic number (a bill downloaded compressed and not renamed); text never starts with those two bytes.
pub fn decompressed<R: BufRead + 'static>(mut input: R, compression: Compression) -> std::io::Result<Box<dyn BufRead>> {
    let gzip = compression == Compression::Gzip || input.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    if gzip {
        Ok(Box::new(std::io::BufReader::new(flate2::bufread::MultiGzDecoder::new(input))))
    } else {
        Ok(Box::new(input))
    }
}

/// Reads delimited text line by line, calling `each` per row; `shown` names the source in `file:line`.
pub fn delimited(
    statement: &StatementSchema,
    input: impl BufRead,
    shown: &str,
    mut each: impl FnMut(Read) -> Result<(), String>,
) -> Result<(), String> {
    let StatementFormat::Delimited(d) = &statement.format else {
        return Err(format!("statement `{}` is records, not delimited text", statement.name));
    };
    let reader = Reader { statement, key: statement.key, refund_key: statement.refund_key };
    let mut header: Option<Vec<String>> = None;
    // Where each declared column name sits in the header, found once; the row's values, reused line to line.
    let mut positions: Vec<(*const u8, usize, usize)> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut input = input;
    let mut bytes = Vec::new();
    let mut line_no = 0u64;
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes).map_err(|e| format!("{shown}: {e}"))? == 0 {
            break;
        }
        line_no += 1;
        let line = match decode(d, &bytes) {
            Ok(l) => l,
            Err(reason) => {
                each(Read::Bad(BadRow { at: format!("{shown}:{line_no}"), reason }))?;
                continue;
            }
        };
        let line = line.trim_end_matches(['\r', '\n']);
        let line = if line_no == 1 { line.trim_start_matches('\u{feff}') } else { line };
        if line.trim().is_empty() || d.comments.iter().any(|c| line.starts_with(&**c)) {
            continue;
        }
        if d.summary.iter().any(|s| line.starts_with(&**s)) {
            break;
        }
        split(d, line, &mut values);
        // shaanxi's printed example ends in a lone `''`: a line of one empty value is no row.
        if values.len() == 1 && values[0].is_empty() {
            continue;
        }
        let Some(names) = &header else {
            if d.header {
                let names: Vec<String> = values.iter().map(|v| v.trim().to_owned()).collect();
                positions = locate(statement, &names);
                header = Some(names);
                continue;
            }
            header = Some(statement.columns.iter().flat_map(|c| c.names.iter().map(|n| n.to_string())).collect());
            let names = header.as_ref().map(Vec::len).unwrap_or(0);
            if names != values.len() {
                let reason = format!("{} values, the declaration names {names} columns", values.len());
                each(Read::Bad(BadRow { at: format!("{shown}:{line_no}"), reason }))?;
                continue;
            }
            positions = locate(statement, header.as_deref().unwrap_or(&[]));
            each(reader.row(format!("{shown}:{line_no}"), line.to_owned(), |n| find(&positions, &values, n)))?;
            continue;
        };
        if values.len() != names.len() {
            let reason = format!("{} values, the header has {}", values.len(), names.len());
            each(Read::Bad(BadRow { at: format!("{shown}:{line_no}"), reason }))?;
            continue;
        }
        each(reader.row(format!("{shown}:{line_no}"), line.to_owned(), |n| find(&positions, &values, n)))?;
    }
    if header.is_none() && d.header {
        // An empty bill is an empty day, not a crash (weixin-java-pay-demo#138).
        return Ok(());
    }
    Ok(())
}

/// Each declared column name (by its address in the statement: rows ask with those very names) and its place in
/// the header.
fn locate(statement: &StatementSchema, names: &[String]) -> Vec<(*const u8, usize, usize)> {
    let mut out = Vec::new();
    for c in statement.columns.iter() {
        for n in c.names.iter() {
            if let Some(i) = names.iter().position(|h| h == &**n) {
                out.push((n.as_ptr(), n.len(), i));
            }
        }
    }
    out
}

fn find<'v>(positions: &[(*const u8, usize, usize)], values: &'v [String], name: &str) -> Option<&'v str> {
    positions
        .iter()
        .find(|(p, len, _)| *p == name.as_ptr() && *len == name.len())
        .and_then(|(_, _, i)| values.get(*i))
        .map(String::as_str)
}

fn decode<'b>(d: &Delimited, bytes: &'b [u8]) -> Result<std::borrow::Cow<'b, str>, String> {
    match d.encoding {
        Charset::Utf8 => std::str::from_utf8(bytes).map(Into::into).map_err(|e| format!("not UTF-8: {e}")),
        Charset::Gbk => {
            let (text, _, errors) = encoding_rs::GBK.decode(bytes);
            if errors { Err("not GBK".into()) } else { Ok(text) }
        }
    }
}

/// Splits one line: quoted values may hold the separator, a doubled quote inside is one; the value prefix goes.
fn split(d: &Delimited, line: &str, out: &mut Vec<String>) {
    let mut n = 0;
    let mut next = |out: &mut Vec<String>| {
        if out.len() == n {
            out.push(String::new());
        }
        n += 1;
        out[n - 1].clear();
        n - 1
    };
    let mut at = next(out);
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if Some(c) == d.quote {
            if quoted && chars.peek() == Some(&c) {
                out[at].push(c);
                chars.next();
            } else {
                quoted = !quoted;
            }
        } else if c == d.separator && !quoted {
            at = next(out);
        } else {
            out[at].push(c);
        }
    }
    out.truncate(at + 1);
    if let Some(prefix) = &d.value_prefix {
        for v in out.iter_mut() {
            if let Some(rest) = v.strip_prefix(&**prefix) {
                *v = rest.to_owned();
            }
        }
    }
}

/// Reads an interface's records (JSON objects), each a row; `shown` names the source.
pub fn records(
    statement: &StatementSchema,
    rows: &[serde_json::Value],
    shown: &str,
    mut each: impl FnMut(Read) -> Result<(), String>,
) -> Result<(), String> {
    let reader = Reader { statement, key: statement.key, refund_key: statement.refund_key };
    for (i, row) in rows.iter().enumerate() {
        let at = format!("{shown}:{}", i + 1);
        let Some(object) = row.as_object() else {
            each(Read::Bad(BadRow { at, reason: "a record is not an object".into() }))?;
            continue;
        };
        let texts: Vec<(String, String)> =
            object.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned))).collect();
        let raw = row.to_string();
        each(reader.row(at, raw, |n| texts.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str())))?;
    }
    Ok(())
}
