//! DownloadStatement (2.2.2.3): one day's money through the platform as the CSV-like text the document describes —
//! a header line, then one line per payment or refund, fields separated by commas and each quoted as its example
//! (`'交易时间','业务平台流水'`), lines by `\r\n`.

use crate::shaanxi::{code, day_range};
use hisgate_generated::shaanxi::interfaces::download_statement;
use hisgate_runtime::server::Failure;
use sqlx::{AnyPool, Row};

/// The statement's columns: each header, and the column of the query below it shows.
const COLUMNS: [(&str, &str); 11] = [
    ("交易时间", "trade_time"),
    ("平台订单号", "order_id"),
    ("医院订单号", "hospital_order_id"),
    ("平台支付单号", "trade_id"),
    ("第三方支付流水号", "out_trade_id"),
    ("平台退款单号", "refund_id"),
    ("医院退款单号", "hospital_refund_id"),
    ("交易类型", "trade_type"),
    ("交易金额(分)", "fen"),
    ("支付类型", "pay_type"),
    ("支付渠道", "pay_channel"),
];

/// The `statement` field's width: a longer day does not fit one answer.
const WIDTH: usize = 10_000;

pub async fn download(
    pool: &AnyPool,
    request: &download_statement::Request,
) -> Result<download_statement::Response, Failure> {
    let (from, to) = day_range(&request.statement_date, &request.statement_date)?;
    // Cash the hospital paid back is not the platform's money, nor is a payment at its window.
    let rows = sqlx::query(
        "SELECT o.pay_time AS trade_time, o.order_id, o.hospital_order_id, o.trade_id, o.out_trade_id, \
         '' AS refund_id, '' AS hospital_refund_id, '1' AS trade_type, o.paid_fen AS fen, o.pay_type, o.pay_channel \
         FROM shaanxi_platform_orders o \
         WHERE o.pay_source = 1 AND o.pay_time >= $1 AND o.pay_time <= $2 \
         UNION ALL \
         SELECT r.refund_time, o.order_id, o.hospital_order_id, o.trade_id, r.out_refund_id, r.refund_id, \
         COALESCE(r.hospital_refund_id, ''), '2', r.refund_fen, o.pay_type, o.pay_channel \
         FROM shaanxi_platform_refunds r JOIN shaanxi_platform_orders o ON o.order_id = r.order_id \
         WHERE r.status = 1 AND r.through_platform = 1 AND r.refund_time >= $1 AND r.refund_time <= $2 \
         ORDER BY 1, 2, 8",
    )
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Err(Failure::with_message("A02000301", "无可下载的账单数据"));
    }
    let mut lines = vec![line(COLUMNS.iter().map(|(header, _)| (*header).to_owned()))];
    for row in &rows {
        let mut fields = Vec::with_capacity(COLUMNS.len());
        for (_, column) in COLUMNS {
            fields.push(match column {
                "fen" => row.try_get::<i64, _>(column)?.to_string(),
                _ => row.try_get::<Option<String>, _>(column)?.unwrap_or_default(),
            });
        }
        lines.push(line(fields.into_iter()));
    }
    let statement = lines.join("\r\n");
    if statement.chars().count() > WIDTH {
        return Err(Failure::with_message(code::PAGE_LIMIT, format!("当日账单超过 {WIDTH} 字符")));
    }
    Ok(download_statement::Response { statement })
}

fn line(fields: impl Iterator<Item = String>) -> String {
    fields.map(|field| format!("'{field}'")).collect::<Vec<_>>().join(",")
}
