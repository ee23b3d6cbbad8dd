//! The outpatient catalogue as the platform syncs it: departments, doctors, schedules and their time slices, with
//! the places left as the orders have taken them.

use crate::shaanxi::{amount, numbered_page};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use hisgate_generated::shaanxi::dict::Noon;
use hisgate_generated::shaanxi::interfaces::{
    get_department_info, get_doctor_info, get_schedule_info, get_schedule_time_info,
};
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{Columns, Listing, StoreError, int_of};
use sqlx::{AnyConnection, AnyPool, Row};

/// How many days ahead places are released: a later schedule is reported 未开放 and cannot be booked.
pub const BOOKING_DAYS: i64 = 5;

/// A schedule's 出诊状态 on `today`: as stored (0 停诊, 1 正常), or 2 未开放 beyond the booking window.
pub fn open_status(stored: i64, date: &str, today: NaiveDate) -> i64 {
    let released = NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok_and(|d| d <= today + Duration::days(BOOKING_DAYS));
    if stored == 1 && !released { 2 } else { stored }
}

/// An empty id and `-1` both mean “all” (errata getdepartmentinfo-departmentid-minus-one and
/// getdoctorinfo-doctorid-minus-one): the empty string here.
fn any_id(id: Option<&str>) -> &str {
    match id {
        Some("-1") | None => "",
        Some(id) => id,
    }
}

pub async fn departments(
    pool: &AnyPool,
    request: &get_department_info::Request,
) -> Result<get_department_info::Response, Failure> {
    let page = numbered_page(request.current_page, request.page_size)?;
    let listed = Listing::new(
        "department_id, name, parent_id, introduction, expertise, level, location, status, telephone, rule",
        "FROM shaanxi_hospital_departments WHERE ($1 = '' OR department_id = $1)",
        "sort, department_id",
    )
    .bind(any_id(request.department_id.as_deref()))
    .fetch(pool, page)
    .await?;
    if listed.total == 0 {
        return Err(Failure::with_message("S05010101", "未查询到科室记录"));
    }
    let department = listed
        .rows
        .iter()
        .map(|row| {
            Ok(get_department_info::ResponseDepartment {
                id: row.try_get("department_id")?,
                name: row.try_get("name")?,
                parent_id: row.try_get("parent_id")?,
                introduction: row.try_get("introduction")?,
                expertise: row.try_get("expertise")?,
                level: row.int("level")?,
                location: row.try_get("location")?,
                status: row.int("status")?,
                link_man: None,
                telephone: row.try_get("telephone")?,
                rule: row.try_get("rule")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(get_department_info::Response { count: int_of(listed.total)?, department })
}

pub async fn doctors(pool: &AnyPool, request: &get_doctor_info::Request) -> Result<get_doctor_info::Response, Failure> {
    let page = numbered_page(request.current_page, request.page_size)?;
    let listed = Listing::new(
        "department_id, doctor_id, name, profession_title, office, introduction, expertise, status, sex, telephone, \
         sort",
        "FROM shaanxi_hospital_doctors WHERE ($1 = '' OR department_id = $1) AND ($2 = '' OR doctor_id = $2)",
        "sort, doctor_id",
    )
    .bind(any_id(request.department_id.as_deref()))
    .bind(any_id(request.doctor_id.as_deref()))
    .fetch(pool, page)
    .await?;
    if listed.total == 0 {
        return Err(Failure::with_message("S05010201", "未查询到医生记录"));
    }
    let doctor = listed
        .rows
        .iter()
        .map(|row| {
            Ok(get_doctor_info::ResponseDoctor {
                department_id: row.try_get("department_id")?,
                id: row.try_get("doctor_id")?,
                name: row.try_get("name")?,
                id_card: None,
                profession_title: row.code("profession_title")?,
                office: row.code("office")?,
                introduction: row.try_get("introduction")?,
                expertise: row.try_get("expertise")?,
                status: row.int("status")?,
                sex: row.code("sex")?,
                birthday: None,
                mobile: None,
                telephone: row.try_get("telephone")?,
                picture: None,
                sort: row.int("sort")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(get_doctor_info::Response { count: int_of(listed.total)?, doctor })
}

/// The schedules of a department's doctors, paged by doctor: `count` is the number of doctors with schedules in
/// the range, since the list it pages is one of doctors (有排班的医生信息).
pub async fn schedules(
    pool: &AnyPool,
    request: &get_schedule_info::Request,
    today: NaiveDate,
) -> Result<get_schedule_info::Response, Failure> {
    let page = numbered_page(request.current_page, request.page_size)?;
    // Grouped by doctor, the total counts the doctors.
    let listed = Listing::new(
        "s.doctor_id, d.name, d.sort",
        "FROM shaanxi_hospital_schedules s JOIN shaanxi_hospital_doctors d ON d.doctor_id = s.doctor_id \
         WHERE s.department_id = $1 AND ($2 = '' OR s.doctor_id = $2) AND s.register_date >= $3 \
         AND s.register_date <= $4 GROUP BY s.doctor_id, d.name, d.sort",
        "d.sort, s.doctor_id",
    )
    .bind(request.department_id.as_str())
    .bind(any_id(request.doctor_id.as_deref()))
    .bind(request.start_date.as_str())
    .bind(request.end_date.as_str())
    .fetch(pool, page)
    .await?;
    if listed.total == 0 {
        return Err(Failure::with_message("S05010301", "未查询到排班记录"));
    }
    let mut schedule = Vec::new();
    for row in &listed.rows {
        let doctor_id: String = row.try_get("doctor_id")?;
        let date = doctor_days(pool, request, &doctor_id, today).await?;
        schedule.push(get_schedule_info::ResponseSchedule { doctor_id, doctor_name: row.try_get("name")?, date });
    }
    Ok(get_schedule_info::Response { count: int_of(listed.total)?, schedule })
}

/// One doctor's schedules in the range, by date; each half-day with the places of all its slices.
async fn doctor_days(
    pool: &AnyPool,
    request: &get_schedule_info::Request,
    doctor_id: &str,
    today: NaiveDate,
) -> Result<Vec<get_schedule_info::ResponseScheduleDate>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.register_date, s.schedule_id, s.noon, s.start_time, s.end_time, s.status, \
         CAST(SUM(l.total_count) AS BIGINT) AS total_count, CAST(SUM(l.remain_count) AS BIGINT) AS remain_count, \
         s.register_fen, s.treat_fen, s.service_fen, s.other_fen, s.level, s.sex_limit, s.age_max, s.age_min, s.visit_address, s.take_address, \
         s.take_time, s.updated_at, s.is_time \
         FROM shaanxi_hospital_schedules s JOIN shaanxi_hospital_slices l ON l.schedule_id = s.schedule_id \
         WHERE s.department_id = $1 AND s.doctor_id = $2 AND s.register_date >= $3 AND s.register_date <= $4 \
         GROUP BY s.schedule_id, s.register_date, s.noon, s.start_time, s.end_time, s.status, s.register_fen, \
         s.treat_fen, s.service_fen, s.other_fen, s.level, s.sex_limit, s.age_max, s.age_min, s.visit_address, \
         s.take_address, s.take_time, s.updated_at, s.is_time \
         ORDER BY s.register_date, s.noon",
    )
    .bind(&request.department_id)
    .bind(doctor_id)
    .bind(&request.start_date)
    .bind(&request.end_date)
    .fetch_all(pool)
    .await?;
    let mut days: Vec<get_schedule_info::ResponseScheduleDate> = Vec::new();
    for row in &rows {
        let register_date: String = row.try_get("register_date")?;
        let noon = get_schedule_info::ResponseScheduleDateNoon {
            id: row.try_get("schedule_id")?,
            noon: row.code("noon")?,
            start_time: row.try_get("start_time")?,
            end_time: row.try_get("end_time")?,
            status: int_of(open_status(row.try_get("status")?, &register_date, today))?,
            total_count: row.int("total_count")?,
            remain_count: row.int("remain_count")?,
            register_fee: amount::decimal(row.try_get("register_fen")?),
            treat_fee: amount::decimal(row.try_get("treat_fen")?),
            service_fee: amount::decimal(row.try_get("service_fen")?),
            other_fee: amount::decimal(row.try_get("other_fen")?),
            level: row.int("level")?,
            sex_limit: Some(row.try_get::<Option<i64>, _>("sex_limit")?.map_or(Ok(0), int_of)?),
            age_limit_max: row.try_get::<Option<i64>, _>("age_max")?.map(int_of).transpose()?,
            age_linit_min: row.try_get::<Option<i64>, _>("age_min")?.map(int_of).transpose()?,
            visit_address: row.try_get("visit_address")?,
            take_address: row.try_get("take_address")?,
            // This interface writes the range without colons (HH24MI-HH24MI).
            take_time: Some(row.try_get::<String, _>("take_time")?.replace(':', "")),
            clinic_no: None,
            update_time: row.try_get("updated_at")?,
            is_time: row.int("is_time")?,
        };
        match days.last_mut() {
            Some(day) if day.register_date == register_date => day.noon.push(noon),
            _ => {
                let weekday = weekday(&register_date);
                days.push(get_schedule_info::ResponseScheduleDate { register_date, weekday, noon: vec![noon] });
            }
        }
    }
    Ok(days)
}

/// The time slices of a doctor's day: one period (`noon`) or, with -1, all of them; optionally only some
/// schedules (`scheduleId`, comma-separated).
pub async fn time_slices(
    pool: &AnyPool,
    request: &get_schedule_time_info::Request,
    today: NaiveDate,
) -> Result<get_schedule_time_info::Response, Failure> {
    let rows = sqlx::query(
        "SELECT s.noon, s.schedule_id, l.time_id, l.start_time, l.end_time, l.total_count, l.remain_count, \
         CASE WHEN s.status = 0 THEN 0 ELSE l.status END AS status \
         FROM shaanxi_hospital_schedules s JOIN shaanxi_hospital_slices l ON l.schedule_id = s.schedule_id \
         WHERE s.department_id = $1 AND s.doctor_id = $2 AND s.register_date = $3 AND s.is_time = 1 \
         AND ($4 = '-1' OR s.noon = $4) ORDER BY s.noon, l.slice_no",
    )
    .bind(&request.department_id)
    .bind(&request.doctor_id)
    .bind(&request.register_date)
    .bind(request.noon.to_string())
    .fetch_all(pool)
    .await?;
    let wanted: Vec<&str> =
        request.schedule_id.iter().flat_map(|ids| ids.split(',')).map(str::trim).filter(|id| !id.is_empty()).collect();
    let mut time = Vec::new();
    for row in &rows {
        let schedule_id: String = row.try_get("schedule_id")?;
        if !wanted.is_empty() && !wanted.contains(&schedule_id.as_str()) {
            continue;
        }
        time.push(get_schedule_time_info::ResponseTime {
            noon: row.code("noon")?,
            schedule_id: Some(schedule_id),
            id: row.try_get::<Option<String>, _>("time_id")?.unwrap_or_default(),
            start_time: row.try_get("start_time")?,
            end_time: row.try_get("end_time")?,
            total_count: row.int("total_count")?,
            remain_count: row.int("remain_count")?,
            clinic_no: None,
            status: int_of(open_status(row.try_get("status")?, &request.register_date, today))?,
        });
    }
    if time.is_empty() {
        return Err(Failure::with_message("S05010401", "未查询到排班分时记录"));
    }
    Ok(get_schedule_time_info::Response { time })
}

/// A schedule as OrderRegister checks a booking against it.
pub struct Schedule {
    pub id: String,
    pub department_id: String,
    pub doctor_id: String,
    pub register_date: String,
    pub noon: Noon,
    pub status: i64,
    /// 挂号费, 诊疗费, 服务费, 其他费 in fen.
    pub fees: [i64; 4],
    pub sex_limit: Option<i64>,
    pub ages: (Option<i64>, Option<i64>),
    pub visit_address: String,
    pub take_time: String,
}

pub async fn schedule(conn: &mut AnyConnection, id: &str) -> Result<Option<Schedule>, StoreError> {
    let row = sqlx::query(
        "SELECT schedule_id, department_id, doctor_id, register_date, noon, status, register_fen, treat_fen, \
         service_fen, other_fen, sex_limit, age_min, age_max, visit_address, take_time \
         FROM shaanxi_hospital_schedules WHERE schedule_id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Schedule {
        id: row.try_get("schedule_id")?,
        department_id: row.try_get("department_id")?,
        doctor_id: row.try_get("doctor_id")?,
        register_date: row.try_get("register_date")?,
        noon: row.code("noon")?,
        status: row.try_get("status")?,
        fees: [
            row.try_get("register_fen")?,
            row.try_get("treat_fen")?,
            row.try_get("service_fen")?,
            row.try_get("other_fen")?,
        ],
        sex_limit: row.try_get("sex_limit")?,
        ages: (row.try_get("age_min")?, row.try_get("age_max")?),
        visit_address: row.try_get("visit_address")?,
        take_time: row.try_get("take_time")?,
    }))
}

/// 星期一 … 星期日 for a `YYYY-MM-DD` date.
fn weekday(date: &str) -> String {
    let names = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"];
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_or(Weekday::Mon, |d| d.weekday());
    names[day.num_days_from_monday() as usize].to_owned()
}
