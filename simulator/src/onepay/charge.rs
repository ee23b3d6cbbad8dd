//! op.trade.charge: an online payment. The platform records the charge, hands back what the payer pays with (a QR
//! code, or a credential for the payer's app) and leaves it `ing` until the simulated payer pays (`succ`, crediting
//! the account `extra` names) or the merchant cancels it with a refund (`closed`).

use super::accounts;
use super::{REFUSED, number, stamp};
use crate::money::to_fen;
use hisgate_generated::onepay::dict::{AccountType, CardType, DepositeType};
use hisgate_generated::onepay::interfaces::op_trade_charge::{Request, Response};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::now_millis;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

/// The account a charge pays into, named in `extra` (the example sends `extra` empty: a charge without one pays a
/// bill rather than an account).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payee {
    card_type: CardType,
    card_no: String,
    account_type: AccountType,
}

pub async fn charge(conn: &mut AnyConnection, request: &Request) -> Result<Response, Failure> {
    let checked = check(request)?;
    let payee = payee(request.extra.as_ref())?;
    let account = match &payee {
        Some(p) => match accounts::by_card(conn, p.card_type.code(), &p.card_no, p.account_type.code()).await? {
            Some(account) => match account.refuses_deposit() {
                Some(why) => return Err(Failure::with_message(REFUSED, why)),
                None => Some(account),
            },
            None => return Err(Failure::with_message(REFUSED, "extra 所指的账户不存在")),
        },
        None => None,
    };
    let now = stamp();
    let charge_no = number(conn, "trade", &now).await?;
    sqlx::query(
        "INSERT INTO onepay_trades (trade_no, out_trade_no, trade_type, account_no, channel, amount_fen, state, \
         result_desc, subject, created_at, issued_ms) VALUES ($1, $2, 'op.trade.charge', $3, $4, $5, 'ing', $6, $7, $8, $9)",
    )
    .bind(&charge_no)
    .bind(&checked.out_charge_no)
    .bind(account.as_ref().map(|a| a.account_no.as_str()))
    .bind(checked.channel.code())
    .bind(checked.fen)
    .bind("等待付款")
    .bind(&request.subject)
    .bind(&now)
    .bind(now_millis())
    .execute(conn)
    .await?;
    let (qrcode, credential) = pay_with(&checked.channel, &charge_no);
    Ok(Response {
        channel: Some(checked.channel.code().to_owned()),
        charge_no: Some(charge_no),
        charge_status: Some("ing".to_owned()),
        credential,
        out_charge_no: Some(checked.out_charge_no),
        qrcode,
    })
}

struct Checked {
    out_charge_no: String,
    channel: DepositeType,
    fen: i64,
}

/// The charge's own rules: an online channel, an amount in fen above zero, goods lines that add up to it.
fn check(request: &Request) -> Result<Checked, Failure> {
    let out_charge_no =
        request.out_charge_no.clone().ok_or_else(|| Failure::with_message(REFUSED, "outChargeNo 不能为空"))?;
    let code = request.channel.as_deref().unwrap_or_default();
    let channel = DepositeType::from_code(code)
        .ok_or_else(|| Failure::with_message(REFUSED, format!("channel `{code}` 不是充值方式字典的代码")))?;
    if !online(&channel) {
        return Err(Failure::with_message(REFUSED, format!("{} 在院内收款，请用 hop.trade.recharge", channel.label())));
    }
    let fen = request
        .charge_amt
        .and_then(to_fen)
        .filter(|fen| *fen > 0)
        .ok_or_else(|| Failure::with_message(REFUSED, "chargeAmt 须为大于零的元金额，最多两位小数"))?;
    if !request.charge_goods_detail.is_empty() {
        let lines: Option<i64> = request.charge_goods_detail.iter().map(|g| g.charge_amt.and_then(to_fen)).sum();
        if lines != Some(fen) {
            return Err(Failure::with_message(REFUSED, "chargeGoodsDetail 的明细金额之和不等于 chargeAmt"));
        }
    }
    Ok(Checked { out_charge_no, channel, fen })
}

fn payee(extra: Option<&Map<String, Value>>) -> Result<Option<Payee>, Failure> {
    let Some(extra) = extra.filter(|e| e.contains_key("cardNo")) else { return Ok(None) };
    serde_json::from_value(Value::Object(extra.clone()))
        .map(Some)
        .map_err(|e| Failure::with_message(REFUSED, format!("extra 中的账户: {e}")))
}

/// Channels a payer pays remotely; cash, card terminals and transfers are taken at the hospital.
fn online(channel: &DepositeType) -> bool {
    !matches!(channel, DepositeType::Cash | DepositeType::Pos | DepositeType::PosOff | DepositeType::TransUnit)
}

/// What the payer pays with: a QR code for the `_QR` channels, else a credential keyed by the channel, as the
/// document's WX_APP example is.
fn pay_with(channel: &DepositeType, charge_no: &str) -> (Option<String>, Option<Map<String, Value>>) {
    let token = token(charge_no);
    let qrcode = match channel {
        DepositeType::WxQr => Some(format!("weixin://wxpay/bizpayurl?pr={token}")),
        DepositeType::AliQr => Some(format!("https://qr.alipay.com/{token}")),
        DepositeType::OneQr => Some(format!("http://127.0.0.1:8080/onepay-web/qr/{token}")),
        _ => None,
    };
    if qrcode.is_some() {
        return (qrcode, None);
    }
    let mut credential = Map::new();
    credential.insert(channel.code().to_owned(), json!({ "prepayid": format!("pp{charge_no}"), "nonceStr": token }));
    (None, Some(credential))
}

/// Seven characters derived from the charge number, like the document's `pr=75gzLi6`.
fn token(charge_no: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    Sha256::digest(charge_no.as_bytes())
        .iter()
        .take(7)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}
