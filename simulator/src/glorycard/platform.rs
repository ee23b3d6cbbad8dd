//! The platform side: storeAll pages the register by `dataID`; storeDeduct and storeDeductCancel change it once
//! per `deductionID`, however often they are repeated.

use super::REFUSED;
use crate::answer::claimed;
use crate::money::to_fen;
use hisgate_generated::glorycard::interfaces::{store_all, store_deduct, store_deduct_cancel};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::store::{Store, StoreError, Tx};
use sqlx::Row;

/// storeAll's page size (section 2.1: “每次返回记录数不超过 500 条”).
pub const PAGE: i64 = 500;

pub struct Register {
    pub store: Store,
}

impl Register {
    async fn known_org(&self, tx: &mut Tx, org_code: &str) -> Result<(), Failure> {
        let found = sqlx::query("SELECT 1 FROM glorycard_orgs WHERE org_code = $1")
            .bind(org_code)
            .fetch_optional(&mut **tx)
            .await?;
        match found {
            Some(_) => Ok(()),
            None => Err(Failure::with_message(REFUSED, format!("机构编码 `{org_code}` 未登记"))),
        }
    }

    async fn deduct(&self, tx: &mut Tx, request: &store_deduct::Request) -> Result<(), Failure> {
        self.known_org(tx, &request.org_code).await?;
        let holder =
            sqlx::query("SELECT cert_name, glory_type FROM glorycard_certs WHERE cert_type = $1 AND cert_no = $2")
                .bind(request.cert_type.code())
                .bind(&request.cert_no)
                .fetch_optional(&mut **tx)
                .await?;
        let Some(holder) = holder else {
            return Err(Failure::with_message(REFUSED, "证件号码不在减免证名库中"));
        };
        if holder.try_get::<String, _>("cert_name")? != request.cert_name
            || holder.try_get::<String, _>("glory_type")? != request.glory_type.code()
        {
            return Err(Failure::with_message(REFUSED, "姓名或减免证类别与名库不符"));
        }
        let (Some(total), Some(deducted)) = (to_fen(request.total_fee), to_fen(request.deduction_fee)) else {
            return Err(Failure::with_message(REFUSED, "金额须为元，最多两位小数"));
        };
        if deducted > total {
            return Err(Failure::with_message(REFUSED, "减免金额不能大于总金额"));
        }
        sqlx::query(
            "INSERT INTO glorycard_deductions (side, deduction_id, org_code, cert_type, cert_no, cert_name, total_fen, \
             deduction_fen, deduction_time, glory_type, deduction_type, status, remarks) \
             VALUES ('platform', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '1', $11)",
        )
        .bind(&request.deduction_id)
        .bind(&request.org_code)
        .bind(request.cert_type.code())
        .bind(&request.cert_no)
        .bind(&request.cert_name)
        .bind(total)
        .bind(deducted)
        .bind(&request.deduction_time)
        .bind(request.glory_type.code())
        .bind(request.deduction_type.code())
        .bind(&request.remarks)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn cancel(&self, tx: &mut Tx, request: &store_deduct_cancel::Request) -> Result<(), Failure> {
        let updated = sqlx::query(
            "UPDATE glorycard_deductions SET status = '0', cancel_time = $3 \
             WHERE side = 'platform' AND deduction_id = $1 AND org_code = $2 AND status = '1'",
        )
        .bind(&request.deduction_id)
        .bind(&request.org_code)
        .bind(&request.deduction_time)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        match updated {
            1 => Ok(()),
            _ => Err(Failure::with_message(REFUSED, format!("没有本机构可撤销的减免记录 `{}`", request.deduction_id))),
        }
    }
}

impl hisgate_generated::glorycard::platform::Handler for Register {
    async fn store_all(&self, request: store_all::Request, _: Context) -> Result<store_all::Response, Failure> {
        let mut tx = self.store.begin().await?;
        self.known_org(&mut tx, &request.org_code).await?;
        let rows = sqlx::query(
            "SELECT cert_type, cert_no, cert_name, glory_type, glory_id, data_id FROM glorycard_certs \
             WHERE data_id > $1 ORDER BY data_id LIMIT $2",
        )
        .bind(i64::from(request.data_id))
        .bind(PAGE)
        .fetch_all(&mut *tx)
        .await?;
        let data = rows.iter().map(certificate).collect::<Result<Vec<_>, _>>()?;
        Ok(store_all::Response { data })
    }

    async fn store_deduct(
        &self,
        request: store_deduct::Request,
        context: Context,
    ) -> Result<store_deduct::Response, Failure> {
        let mut claimed = claimed(&context).await?;
        self.deduct(&mut claimed, &request).await?;
        Ok(store_deduct::Response {})
    }

    async fn store_deduct_cancel(
        &self,
        request: store_deduct_cancel::Request,
        context: Context,
    ) -> Result<store_deduct_cancel::Response, Failure> {
        let mut claimed = claimed(&context).await?;
        self.cancel(&mut claimed, &request).await?;
        Ok(store_deduct_cancel::Response {})
    }
}

fn certificate(row: &sqlx::any::AnyRow) -> Result<store_all::ResponseData, StoreError> {
    let code = |column: &str| -> Result<String, StoreError> { Ok(row.try_get::<String, _>(column)?) };
    Ok(store_all::ResponseData {
        cert_type: Dictionary::from_code(&code("cert_type")?),
        cert_no: Some(code("cert_no")?),
        cert_name: Some(code("cert_name")?),
        glory_type: Dictionary::from_code(&code("glory_type")?),
        glory_id: Some(
            i32::try_from(row.try_get::<i64, _>("glory_id")?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        ),
        data_id: Some(
            i32::try_from(row.try_get::<i64, _>("data_id")?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        ),
    })
}
