//! Patient files and cards: filing (CreatePatient, and OrderRegister for a patient the hospital does not know yet),
//! finding a file by the user rules (用户规则) a request carries, and checking a card against its holder.

use crate::people as resident_id;
use crate::shaanxi::ids::{self, Kind};
use crate::shaanxi::{amount, timestamp};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use hisgate_generated::shaanxi::dict::UserRule;
use hisgate_generated::shaanxi::interfaces::{check_card, create_patient, get_patient_info, order_register};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{Columns, StoreError, int_of};
use rust_decimal::Decimal;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A user rule (用户规则) as every interface carries them.
#[derive(Debug, Clone, Copy)]
pub struct Rule<'a> {
    pub id: UserRule,
    /// What the value is (`id=card,type=1`: a 健康卡; for a certificate, its 证件类型).
    pub kind: Option<&'a str>,
    pub value: &'a str,
}

/// The rules of an iterator over a request's `user` (or `rule`) nodes, which each interface types on its own.
macro_rules! rules {
    ($nodes:expr) => {
        $nodes
            .map(|node| $crate::shaanxi::hospital::patients::Rule {
                id: node.id,
                kind: node.r#type.as_deref().filter(|kind| !kind.is_empty()),
                value: node.value.as_str(),
            })
            .collect::<Vec<_>>()
    };
}
pub(crate) use rules;

#[derive(Debug, Clone)]
pub struct Patient {
    pub patient_id: String,
    pub medical_no: String,
    pub patient_type: i64,
    pub cert_type: String,
    pub cert_no: String,
    pub name: String,
    pub sex: String,
    pub birthday: String,
    pub address: Option<String>,
    pub mobile: Option<String>,
    pub created_at: String,
}

/// A file's columns of `shaanxi_hospital_patients p`, as [`patient`] reads them.
pub const PATIENT_COLUMNS: &str = "p.patient_id, p.medical_no, p.patient_type, p.cert_type, p.cert_no, p.name, p.sex, \
                                   p.birthday, p.address, p.mobile, p.created_at";

/// The file in a row that selected [`PATIENT_COLUMNS`].
pub fn patient(row: &AnyRow) -> Result<Patient, StoreError> {
    Ok(Patient {
        patient_id: row.try_get("patient_id")?,
        medical_no: row.try_get("medical_no")?,
        patient_type: row.try_get("patient_type")?,
        cert_type: row.try_get("cert_type")?,
        cert_no: row.try_get("cert_no")?,
        name: row.try_get("name")?,
        sex: row.try_get("sex")?,
        birthday: row.try_get("birthday")?,
        address: row.try_get("address")?,
        mobile: row.try_get("mobile")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The first file `clause` (after the SELECT) finds with `values` bound in order.
async fn one(conn: &mut AnyConnection, clause: &str, values: &[&str]) -> Result<Option<Patient>, StoreError> {
    let sql =
        format!("SELECT {PATIENT_COLUMNS} FROM shaanxi_hospital_patients p {clause} ORDER BY p.patient_id LIMIT 1");
    let query = values.iter().fold(sqlx::query(&sql), |query, value| query.bind(*value));
    query.fetch_optional(conn).await?.as_ref().map(patient).transpose()
}

/// What the rules of a request find.
#[expect(clippy::large_enum_variant, reason = "returned once a request and matched at once: a box would only allocate")]
pub enum Lookup {
    Found(Patient),
    Missing,
    /// A file was found, but another rule contradicts it.
    Mismatch(String),
}

/// The file the identifying rules (院内 id, 门诊号, card, certificate, a guardian's certificate with the child's
/// name) find — all the same one —, checked against the descriptive ones (name, mobile, sex, birthday). Without an
/// identifying rule, name and mobile together find a file.
pub async fn find(conn: &mut AnyConnection, rules: &[Rule<'_>]) -> Result<Lookup, StoreError> {
    let value = |id: UserRule| rules.iter().find(|r| r.id == id).map(|r| r.value);
    let name = value(UserRule::Name).unwrap_or("");
    let mut found: Option<Patient> = None;
    for rule in rules {
        let by_rule = match rule.id {
            UserRule::PatientId => one(conn, "WHERE p.patient_id = $1", &[rule.value]).await?,
            UserRule::MedicalNo => one(conn, "WHERE p.medical_no = $1", &[rule.value]).await?,
            UserRule::Card => {
                let clause = "JOIN shaanxi_hospital_cards c ON c.patient_id = p.patient_id \
                              WHERE c.card_no = $1 AND ($2 = '' OR c.card_type = $2)";
                one(conn, clause, &[rule.value, rule.kind.unwrap_or("")]).await?
            }
            UserRule::Certificate => {
                let clause = "WHERE p.patient_type = 1 AND p.cert_type = $1 AND p.cert_no = $2";
                one(conn, clause, &[rule.kind.unwrap_or("1"), rule.value]).await?
            }
            // One certificate may file several children: the name picks one (“医院根据实际请求筛选一个档案”).
            UserRule::ParentCertificate => {
                let clause =
                    "WHERE p.patient_type = 0 AND p.cert_type = $1 AND p.cert_no = $2 AND ($3 = '' OR p.name = $3)";
                one(conn, clause, &[rule.kind.unwrap_or("1"), rule.value, name]).await?
            }
            _ => continue,
        };
        match (by_rule, &found) {
            (None, _) => return Ok(Lookup::Missing),
            (Some(p), Some(earlier)) if p.patient_id != earlier.patient_id => {
                return Ok(Lookup::Mismatch("用户规则指向不同的院内档案".into()));
            }
            (Some(p), _) => found = Some(p),
        }
    }
    let mobile = value(UserRule::Mobile);
    if found.is_none() && !name.is_empty() && mobile.is_some() {
        found = one(conn, "WHERE p.name = $1 AND p.mobile = $2", &[name, mobile.unwrap_or("")]).await?;
    }
    let Some(patient) = found else { return Ok(Lookup::Missing) };
    let checks = [
        (UserRule::Name, Some(patient.name.as_str()), "姓名"),
        (UserRule::Mobile, patient.mobile.as_deref(), "手机号"),
        (UserRule::Sex, Some(patient.sex.as_str()), "性别"),
        (UserRule::Birthday, Some(patient.birthday.as_str()), "出生日期"),
    ];
    for (id, kept, what) in checks {
        if let Some(given) = value(id)
            && kept.is_some_and(|kept| kept != given)
        {
            return Ok(Lookup::Mismatch(format!("{what}与院内档案不符")));
        }
    }
    Ok(Lookup::Found(patient))
}

/// A file to make, unless the certificate already files this person.
pub struct NewPatient<'a> {
    pub patient_type: i64,
    pub cert_type: &'a str,
    pub cert_no: &'a str,
    pub name: &'a str,
    pub sex: &'a str,
    pub birthday: &'a str,
    pub address: Option<&'a str>,
    pub mobile: Option<&'a str>,
}

#[expect(clippy::large_enum_variant, reason = "returned once a request and matched at once: a box would only allocate")]
pub enum Filed {
    Patient(Patient),
    /// The certificate cannot be filed (a resident ID number whose check character is wrong).
    Invalid(&'static str),
    /// The certificate files someone else.
    NameDiffers,
}

/// Finds the file of `new`'s certificate (and name, for a child filed under a guardian's), or makes it with an
/// electronic hospital card. Concurrent filings of one person meet on the unique certificate key: one inserts,
/// the others find its file.
pub async fn file(conn: &mut AnyConnection, new: &NewPatient<'_>, now: NaiveDateTime) -> Result<Filed, StoreError> {
    if new.cert_type == "1" && !resident_id::is_valid(new.cert_no) {
        return Ok(Filed::Invalid("身份证号码校验不通过"));
    }
    if let Some(patient) = filed(conn, new).await? {
        return Ok(same_person(patient, new));
    }
    let (patient_id, medical_no) = (ids::next(conn, Kind::Patient).await?, ids::next(conn, Kind::MedicalRecord).await?);
    let created_at = timestamp(now);
    let inserted = sqlx::query(
        "INSERT INTO shaanxi_hospital_patients (patient_id, medical_no, patient_type, cert_type, cert_no, name, sex, \
         birthday, address, mobile, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&patient_id)
    .bind(&medical_no)
    .bind(new.patient_type)
    .bind(new.cert_type)
    .bind(new.cert_no)
    .bind(new.name)
    .bind(new.sex)
    .bind(new.birthday)
    .bind(new.address)
    .bind(new.mobile)
    .bind(&created_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        // Filed meanwhile by a concurrent request, whose file is the answer; or the certificate and name are
        // taken by a file of the other kind (a guardian's own and a child's under it).
        return Ok(filed(conn, new)
            .await?
            .map_or(Filed::Invalid("证件与院内其他档案冲突"), |p| same_person(p, new)));
    }
    sqlx::query(
        "INSERT INTO shaanxi_hospital_cards (card_type, card_no, patient_id, status, balance_fen, issued_at) \
         VALUES ('7', $1, $2, 0, 0, $3)",
    )
    .bind(ids::next(conn, Kind::Card).await?)
    .bind(&patient_id)
    .bind(&created_at)
    .execute(&mut *conn)
    .await?;
    let patient = one(conn, "WHERE p.patient_id = $1", &[&patient_id]).await?;
    patient.map(Filed::Patient).ok_or_else(|| StoreError::Corrupt(format!("patient {patient_id} vanished")))
}

/// The file that `new`'s certificate makes: the holder's own, or the named child's under a guardian's.
async fn filed(conn: &mut AnyConnection, new: &NewPatient<'_>) -> Result<Option<Patient>, StoreError> {
    if new.patient_type == 1 {
        one(conn, "WHERE p.patient_type = 1 AND p.cert_type = $1 AND p.cert_no = $2", &[new.cert_type, new.cert_no])
            .await
    } else {
        let clause = "WHERE p.patient_type = 0 AND p.cert_type = $1 AND p.cert_no = $2 AND p.name = $3";
        one(conn, clause, &[new.cert_type, new.cert_no, new.name]).await
    }
}

fn same_person(patient: Patient, new: &NewPatient<'_>) -> Filed {
    if patient.name == new.name { Filed::Patient(patient) } else { Filed::NameDiffers }
}

pub async fn create(
    conn: &mut AnyConnection,
    request: &create_patient::Request,
    now: NaiveDateTime,
) -> Result<create_patient::Response, Failure> {
    let new = NewPatient {
        patient_type: i64::from(request.patient_type),
        cert_type: request.certifcate_type.code(),
        cert_no: &request.certifcate_no,
        name: &request.name,
        sex: request.sex.code(),
        birthday: &request.birthday,
        address: request.address.as_deref(),
        mobile: Some(&request.mobile),
    };
    match file(conn, &new, now).await? {
        Filed::Patient(p) => Ok(create_patient::Response {
            create_time: Some(p.created_at),
            patient_id: p.patient_id,
            medical_no: Some(p.medical_no),
        }),
        Filed::Invalid(reason) => Err(Failure::with_message("S03000101", reason)),
        Filed::NameDiffers => Err(Failure::with_message("S03000101", "该证件已登记为其他姓名的档案")),
    }
}

/// The file OrderRegister books for: found by the certificate rule (or a guardian's certificate and the
/// patient's name), made from the order's patient fields if the hospital does not know the patient yet.
pub async fn for_booking(
    conn: &mut AnyConnection,
    request: &order_register::Request,
    now: NaiveDateTime,
) -> Result<Patient, Failure> {
    let rules = rules!(request.group.iter().flat_map(|group| group.rule.iter()));
    let rule = |id: UserRule| rules.iter().find(|r| r.id == id);
    let (patient_type, certificate) = match (rule(UserRule::Certificate), rule(UserRule::ParentCertificate)) {
        (Some(own), _) => (1, own),
        (None, Some(guardian)) => (0, guardian),
        (None, None) => {
            return Err(Failure::with_message("S05010701", "须传入证件规则（certifcate 或 parentCertifcate）"));
        }
    };
    let new = NewPatient {
        patient_type,
        cert_type: certificate.kind.unwrap_or("1"),
        cert_no: certificate.value,
        name: &request.patient_name,
        sex: request.patient_sex.code(),
        birthday: &request.patient_birthday,
        address: None,
        mobile: Some(&request.patient_mobile),
    };
    let patient = match file(conn, &new, now).await? {
        Filed::Patient(patient) => patient,
        Filed::Invalid(reason) => return Err(Failure::with_message("S05010703", reason)),
        Filed::NameDiffers => return Err(Failure::with_message("S05010710", "证件已登记为其他姓名的档案")),
    };
    if let Some(card) = rule(UserRule::Card) {
        let holder: Option<String> = sqlx::query_scalar(
            "SELECT patient_id FROM shaanxi_hospital_cards WHERE card_no = $1 AND ($2 = '' OR card_type = $2)",
        )
        .bind(card.value)
        .bind(card.kind.unwrap_or(""))
        .fetch_optional(&mut *conn)
        .await?;
        if holder.as_deref() != Some(patient.patient_id.as_str()) {
            return Err(Failure::with_message("S05010709", "卡不属于该就诊人"));
        }
    }
    Ok(patient)
}

pub async fn info(
    conn: &mut AnyConnection,
    request: &get_patient_info::Request,
    now: NaiveDateTime,
) -> Result<get_patient_info::Response, Failure> {
    let patient = match find(conn, &rules!(request.user.iter())).await? {
        Lookup::Found(patient) => patient,
        Lookup::Missing => return Err(Failure::with_message("S03000201", "未查询到用户信息")),
        Lookup::Mismatch(reason) => return Err(Failure::with_message("S03000202", reason)),
    };
    // Most recently used first, at most ten (section 2.1.3.2).
    let rows = sqlx::query(
        "SELECT card_type, card_no, status, balance_fen, issued_at, last_used_at FROM shaanxi_hospital_cards \
         WHERE patient_id = $1 ORDER BY COALESCE(last_used_at, issued_at) DESC, card_no LIMIT 10",
    )
    .bind(&patient.patient_id)
    .fetch_all(&mut *conn)
    .await?;
    let card = rows
        .iter()
        .map(|row| {
            Ok(get_patient_info::ResponsePatientCard {
                card_type: row.code("card_type")?,
                card_no: row.try_get("card_no")?,
                card_status: int_of(row.try_get("status")?)?,
                balance: amount::decimal(row.try_get("balance_fen")?),
                card_time: row.try_get("issued_at")?,
                last_time: row.try_get("last_used_at")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let age = age(&patient.birthday, now.date()).unwrap_or(0);
    Ok(get_patient_info::Response {
        create_time: patient.created_at,
        patient_id: patient.patient_id,
        patient_type: int_of(patient.patient_type)?,
        patient_flag: i32::from(age < CHILD_UNDER),
        certifcate_type: dictionary(&patient.cert_type)?,
        certifcate_no: patient.cert_no,
        name: patient.name,
        sex: dictionary(&patient.sex)?,
        birthday: patient.birthday,
        age: Decimal::from(age),
        address: patient.address,
        mobile: patient.mobile,
        patient: vec![get_patient_info::ResponsePatient { medical_no: patient.medical_no, status: 0, card }],
    })
}

pub async fn check_card(
    conn: &mut AnyConnection,
    request: &check_card::Request,
) -> Result<check_card::Response, Failure> {
    // By card when the request has one, else by the file's 门诊号 (the file's own status and date then).
    let card_no = request.card_no.as_deref().filter(|no| !no.is_empty());
    let row = match (card_no, request.medical_no.as_deref()) {
        (Some(card_no), _) => {
            let card_type = request.card_type.map(|t| t.code().to_owned()).unwrap_or_default();
            sqlx::query(
                "SELECT c.status, c.issued_at, c.last_used_at, c.patient_id FROM shaanxi_hospital_cards c \
                 WHERE c.card_no = $1 AND ($2 = '' OR c.card_type = $2)",
            )
            .bind(card_no)
            .bind(card_type)
            .fetch_optional(&mut *conn)
            .await?
        }
        (None, Some(medical_no)) => {
            sqlx::query(
                "SELECT 0 AS status, created_at AS issued_at, CAST(NULL AS TEXT) AS last_used_at, patient_id \
                 FROM shaanxi_hospital_patients WHERE medical_no = $1",
            )
            .bind(medical_no)
            .fetch_optional(&mut *conn)
            .await?
        }
        (None, None) => None,
    };
    let Some(row) = row else { return Err(Failure::with_message("S03000301", "卡或门诊号不存在")) };
    let holder: String = row.try_get("patient_id")?;
    let patient = one(conn, "WHERE p.patient_id = $1", &[&holder]).await?;
    let matches = patient.as_ref().is_some_and(|p| {
        p.patient_type == i64::from(request.patient_type)
            && p.cert_type == request.certifcate_type.code()
            && p.cert_no == request.certifcate_no
            && p.name == request.name
            && p.sex == request.sex.code()
            && p.birthday == request.birthday
    });
    let Some(patient) = patient.filter(|_| matches) else {
        return Err(Failure::with_message("S03000301", "卡信息与持卡人档案不符"));
    };
    Ok(check_card::Response {
        medical_no: Some(patient.medical_no),
        card_status: int_of(row.try_get("status")?)?,
        card_time: row.try_get("issued_at")?,
        last_time: row.try_get("last_used_at")?,
    })
}

/// Under this age (years) a patient is a child (用户类别 1), as the paediatric departments count.
const CHILD_UNDER: i64 = 14;

/// Full years from `birthday` (`YYYY-MM-DD`) to `on`.
pub fn age(birthday: &str, on: NaiveDate) -> Option<i64> {
    let born = NaiveDate::parse_from_str(birthday, "%Y-%m-%d").ok()?;
    let before_birthday = (on.month(), on.day()) < (born.month(), born.day());
    Some(i64::from(on.year() - born.year()) - i64::from(before_birthday))
}

fn dictionary<D: Dictionary>(value: &str) -> Result<D, StoreError> {
    D::from_code(value).ok_or_else(|| StoreError::Corrupt(format!("an unknown code `{value}`")))
}
