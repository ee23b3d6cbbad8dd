//! Business numbers (hospital order ids, refund ids, …) from counters in the database, so that instances sharing
//! it never hand out one number twice.

use hisgate_runtime::store::StoreError;
use sqlx::AnyConnection;

/// The kinds of number, each its own sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    HospitalOrder,
    HospitalTrade,
    HospitalRefund,
    Patient,
    MedicalRecord,
    Visit,
    Card,
    PlatformRefund,
    ThirdPartyRefund,
}

impl Kind {
    fn counter(self) -> &'static str {
        match self {
            Kind::HospitalOrder => "hospital.order",
            Kind::HospitalTrade => "hospital.trade",
            Kind::HospitalRefund => "hospital.refund",
            Kind::Patient => "hospital.patient",
            Kind::MedicalRecord => "hospital.medical-record",
            Kind::Visit => "hospital.visit",
            Kind::Card => "hospital.card",
            Kind::PlatformRefund => "platform.refund",
            Kind::ThirdPartyRefund => "platform.third-party-refund",
        }
    }

    /// Number `n` of this kind as it travels (`HO0000000012`).
    pub fn format(self, n: i64) -> String {
        match self {
            Kind::HospitalOrder => format!("HO{n:010}"),
            Kind::HospitalTrade => format!("HT{n:010}"),
            Kind::HospitalRefund => format!("HR{n:010}"),
            Kind::Patient => format!("{:08}", 10_000_000 + n),
            Kind::MedicalRecord => format!("MZ{n:08}"),
            Kind::Visit => format!("JZ{n:010}"),
            Kind::Card => format!("E{:010}", n),
            Kind::PlatformRefund => format!("RF{n:012}"),
            Kind::ThirdPartyRefund => format!("TK{n:016}"),
        }
    }
}

/// The next number of `kind`, formatted. It is taken in the caller's transaction: a rollback gives it back, and
/// concurrent takers wait on the counter's row.
pub async fn next(conn: &mut AnyConnection, kind: Kind) -> Result<String, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "INSERT INTO shaanxi_counters (name, value) VALUES ($1, 1) \
         ON CONFLICT (name) DO UPDATE SET value = shaanxi_counters.value + 1 RETURNING value",
    )
    .bind(kind.counter())
    .fetch_one(conn)
    .await?;
    Ok(kind.format(n))
}
