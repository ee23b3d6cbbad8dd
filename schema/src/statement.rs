//! Statements (对账单) as data: where a platform's statement of a day comes from, how its text is laid out and what
//! each column means, as `statements.yaml` declares it. Reconciliation reads both sides through this one shape;
//! a HIS ledger export is declared the same way.

use super::{MoneyUnit, Seq, Side, SourcePos, Str, TimeFormat};

#[derive(Debug, Clone, PartialEq)]
pub struct StatementSchema {
    /// Unique within the platform: `platform`, `hospital`.
    pub name: Str,
    pub title: Str,
    pub section: Option<Str>,
    pub description: Str,
    /// Whose books the statement is.
    pub issuer: Side,
    pub source: StatementSource,
    pub format: StatementFormat,
    pub columns: Seq<StatementColumn>,
    /// The meaning rows are matched on (an order id).
    pub key: Meaning,
    /// The meaning that tells one refund of an order from another, when the statement carries one.
    pub refund_key: Option<Meaning>,
    pub origin: SourcePos,
}

impl StatementSchema {
    pub fn column(&self, meaning: Meaning) -> Option<&StatementColumn> {
        self.columns.iter().find(|c| c.meaning == meaning)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementSource {
    /// A field of an interface's response carries it (text, or a list of records); `request` fills the call's
    /// request fields (`hisgate reconcile --fetch`); `no_rows` is the return code that answers a day without
    /// transactions (shaanxi's `A02000301`), read as an empty statement rather than a failure.
    Interface { interface: Str, field: Str, request: Seq<RequestValue>, no_rows: Option<Str> },
    /// A file the user downloads (a merchant portal's bill, a HIS export); the text says where from.
    File { description: Str },
}

/// One request field of a statement's interface call, and what it is set to.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestValue {
    pub field: Str,
    pub value: RequestText,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RequestText {
    /// `{date}`, `{date+1}`, `{date-1}`: the reconciled day plus this many days, in the field's declared time
    /// format (`YYYY-MM-DD` when it declares none).
    Day(i8),
    /// Any other text, sent as written.
    Text(Str),
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementFormat {
    /// Lines of separated values.
    Delimited(Delimited),
    /// The interface's own repeated records (a list field); columns name fields of a record.
    Records,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delimited {
    pub separator: char,
    /// Values may be wrapped in this character (shaanxi: `'`); a doubled one inside is one.
    pub quote: Option<char>,
    /// The first data line names the columns.
    pub header: bool,
    /// Lines starting with one of these are skipped (comments, titles).
    pub comments: Seq<Str>,
    /// A line starting with one of these ends the rows (totals, summaries follow).
    pub summary: Seq<Str>,
    /// Stripped from the front of every value (WeChat's backtick: `` `4200000001 ``).
    pub value_prefix: Option<Str>,
    pub encoding: Charset,
    pub compression: Compression,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    Gbk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
}

/// What a column means to reconciliation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Meaning {
    Time,
    PlatformOrderId,
    PlatformRefundId,
    HospitalOrderId,
    HospitalRefundId,
    TradeId,
    Amount,
    Kind,
    Channel,
}

impl Meaning {
    pub const ALL: [Meaning; 9] = [
        Meaning::Time,
        Meaning::PlatformOrderId,
        Meaning::PlatformRefundId,
        Meaning::HospitalOrderId,
        Meaning::HospitalRefundId,
        Meaning::TradeId,
        Meaning::Amount,
        Meaning::Kind,
        Meaning::Channel,
    ];

    /// The spelling in `statements.yaml` (and the column names of a HIS query).
    pub fn as_str(self) -> &'static str {
        match self {
            Meaning::Time => "time",
            Meaning::PlatformOrderId => "platform_order_id",
            Meaning::PlatformRefundId => "platform_refund_id",
            Meaning::HospitalOrderId => "hospital_order_id",
            Meaning::HospitalRefundId => "hospital_refund_id",
            Meaning::TradeId => "trade_id",
            Meaning::Amount => "amount",
            Meaning::Kind => "kind",
            Meaning::Channel => "channel",
        }
    }

    pub fn parse(text: &str) -> Option<Meaning> {
        Meaning::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// Whether the meaning identifies a row (may serve as `key` or `refund_key`).
    pub fn is_id(self) -> bool {
        matches!(
            self,
            Meaning::PlatformOrderId
                | Meaning::PlatformRefundId
                | Meaning::HospitalOrderId
                | Meaning::HospitalRefundId
                | Meaning::TradeId
        )
    }
}

/// One column's meaning and how to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementColumn {
    pub meaning: Meaning,
    /// Header names (or record field names); the first one present and non-empty in a row is read.
    pub names: Seq<Str>,
    /// `time`: how the time is written.
    pub format: Option<TimeFormat>,
    /// `amount`: yuan or fen.
    pub unit: Option<MoneyUnit>,
    /// `kind`: the values that mean a payment and a refund. A kind column with neither lists is an error;
    /// a statement without a kind column holds payments only.
    pub pay: Seq<Str>,
    pub refund: Seq<Str>,
    pub origin: SourcePos,
}
