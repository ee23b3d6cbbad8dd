//! The `hop.*` payloads. The document names these trade types without field tables (1.4), so their `param`s are
//! open objects on the wire; these types are the simulator's model of what it says they do, in the document's own
//! vocabulary (`cardType`, `accountType`, `depositeType`, `withdrawMode`, `result`, `status`). Amounts are yuan:
//! read as numbers or text, written as text with two decimals like portal.wb.queryAccount's `balance`. Unknown
//! keys are refused, so a misspelt key never passes silently.

use hisgate_generated::onepay::dict::{AccountType, CardType, ChannelType, DepositeType, WithdrawMode};
use hisgate_runtime::server::Failure;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::REFUSED;

/// An account, by wristband key or by card and account type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_type: Option<CardType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<AccountType>,
}

/// hop.account.info's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    pub card_type: String,
    pub card_no: String,
    pub account_type: String,
    pub user_name: String,
    pub id_type: String,
    pub id_no: String,
    pub gender: String,
    /// accountStatus, in the account type's table.
    pub status: String,
    pub balance: String,
}

/// hop.trade.recharge: money paid in at the hospital, by `depositeType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recharge {
    pub out_trade_no: String,
    pub card_type: CardType,
    pub card_no: String,
    pub account_type: AccountType,
    pub amount: Decimal,
    pub deposite_type: DepositeType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<ChannelType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recharged {
    pub trade_no: String,
    pub out_trade_no: String,
    pub result: String,
    pub amount: String,
    pub balance: String,
    pub trade_time: String,
}

/// hop.trade.refund: money back from a recharge or a paid charge (by its platform or merchant number), or the
/// cancellation (撤销) of a charge not yet paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Refund {
    pub out_refund_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    pub amount: Decimal,
    pub withdraw_mode: WithdrawMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refunded {
    pub refund_no: String,
    pub out_refund_no: String,
    pub trade_no: String,
    pub result: String,
    pub amount: String,
    /// The refunded trade's state afterwards: `succ`, or `closed` for a cancelled charge.
    pub trade_result: String,
    /// How much of the trade has been refunded in all.
    pub refunded_amount: String,
    /// The account's balance afterwards, for a trade on an account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<String>,
    pub refund_time: String,
}

/// hop.trade.query: one trade by its platform or merchant number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TradeRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
}

/// A trade as hop.trade.query and hop.trade.details show it. `result` is the trade-status dictionary's code;
/// `notfound` comes alone with the number asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trade {
    pub result: String,
    pub result_desc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// The interface that made it: `op.trade.charge`, `hop.trade.recharge` or `hop.trade.refund`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// depositeType of a charge or recharge, withdrawMode of a refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_time: Option<String>,
}

/// hop.trade.details: an account's trades, newest first, a page at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DetailsQuery {
    pub card_type: CardType,
    pub card_no: String,
    pub account_type: AccountType,
    /// yyyyMMdd, both included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// From 1; 1 by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_no: Option<u32>,
    /// 20 by default, at most 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    pub total: i64,
    pub page_no: u32,
    pub page_size: u32,
    pub details: Vec<Trade>,
}

/// Reads an open `param` into its model, or refuses it saying what is wrong.
pub fn read<T: DeserializeOwned>(param: &Map<String, Value>) -> Result<T, Failure> {
    serde_json::from_value(Value::Object(param.clone()))
        .map_err(|e| Failure::with_message(REFUSED, format!("param: {e}")))
}

/// Writes a model as an open `param`.
pub fn write<T: Serialize>(answer: &T) -> Result<Map<String, Value>, Failure> {
    match serde_json::to_value(answer).map_err(Failure::internal)? {
        Value::Object(map) => Ok(map),
        other => Err(Failure::internal(format!("a payload model wrote {other}, not an object"))),
    }
}
