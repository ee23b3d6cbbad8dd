//! The institution's side: its own record of the deductions it made, which the platform checks by time range.

use super::REFUSED;
use crate::money::to_yuan;
use hisgate_generated::glorycard::interfaces::deduct_check;
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::store::{Columns, Store, StoreError};
use sqlx::Row;

pub struct Institution {
    pub store: Store,
}

impl hisgate_generated::glorycard::hospital::Handler for Institution {
    async fn deduct_check(
        &self,
        request: deduct_check::Request,
        _: Context,
    ) -> Result<deduct_check::Response, Failure> {
        if request.deduct_time_start > request.deduction_time_end {
            return Err(Failure::with_message(REFUSED, "查询开始时间晚于结束时间"));
        }
        let rows = sqlx::query(
            "SELECT org_code, cert_type, cert_no, cert_name, deduction_id, total_fen, deduction_fen, deduction_time, \
             glory_type, deduction_type, cancel_time, status, remarks FROM glorycard_deductions \
             WHERE side = 'hospital' AND org_code = $1 AND deduction_time >= $2 AND deduction_time <= $3 \
             ORDER BY deduction_time, deduction_id",
        )
        .bind(&request.org_code)
        .bind(&request.deduct_time_start)
        .bind(&request.deduction_time_end)
        .fetch_all(self.store.pool())
        .await?;
        let data = rows.iter().map(deduction).collect::<Result<Vec<_>, _>>()?;
        Ok(deduct_check::Response { data })
    }
}

fn deduction(row: &sqlx::any::AnyRow) -> Result<deduct_check::ResponseData, StoreError> {
    let text = |column: &str| -> Result<String, StoreError> { Ok(row.try_get::<String, _>(column)?) };
    Ok(deduct_check::ResponseData {
        org_code: text("org_code")?,
        cert_type: row.code("cert_type")?,
        cert_no: text("cert_no")?,
        cert_name: text("cert_name")?,
        deduction_id: text("deduction_id")?,
        total_fee: to_yuan(row.try_get("total_fen")?),
        deduction_fee: to_yuan(row.try_get("deduction_fen")?),
        deduction_time: text("deduction_time")?,
        glory_type: row.code("glory_type")?,
        deduction_type: row.code("deduction_type")?,
        cancel_time: row.try_get("cancel_time")?,
        status: row.code("status")?,
        remarks: row.try_get("remarks")?,
    })
}
