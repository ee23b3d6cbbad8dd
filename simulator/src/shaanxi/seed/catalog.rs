//! The sample hospital's outpatient catalogue: departments two and three levels deep, a dozen doctors, and the
//! schedules it publishes for the seven days from a date — mornings and afternoons, time-sliced or not, with quotas
//! of which other channels (the window, the phone) have already taken some, a few nearly or entirely gone.

use chrono::{Duration, NaiveDate};

pub struct Department {
    pub id: &'static str,
    pub name: &'static str,
    /// `-1` at the top, as GetDepartmentInfo reports it.
    pub parent: &'static str,
    pub level: i64,
    pub expertise: &'static str,
    pub location: &'static str,
    /// 科室预约规则说明, where the department has rules beyond the hospital's.
    pub rule: Option<&'static str>,
    /// GetScheduleInfo's sexLimit (1 男, 2 女) and age range (years), which OrderRegister enforces.
    pub sex_limit: Option<i64>,
    pub ages: Option<(i64, i64)>,
}

const fn department(
    id: &'static str,
    name: &'static str,
    parent: &'static str,
    level: i64,
    expertise: &'static str,
    location: &'static str,
) -> Department {
    Department { id, name, parent, level, expertise, location, rule: None, sex_limit: None, ages: None }
}

pub const DEPARTMENTS: &[Department] = &[
    department("100", "内科", "-1", 1, "内科常见病、多发病", "门诊楼二楼"),
    department("110", "心血管内科", "100", 2, "高血压、冠心病、心律失常、心力衰竭", "门诊楼二楼东区"),
    department("120", "消化内科", "100", 2, "胃炎、消化性溃疡、肝病、炎症性肠病", "门诊楼二楼西区"),
    department("130", "呼吸与危重症医学科", "100", 2, "慢阻肺、哮喘、肺部感染、肺结节", "门诊楼二楼北区"),
    department("200", "外科", "-1", 1, "外科常见病、创伤", "门诊楼三楼"),
    department("210", "骨科", "200", 2, "骨折、关节与脊柱疾病", "门诊楼三楼东区"),
    department("211", "脊柱外科", "210", 3, "颈椎病、腰椎间盘突出、脊柱侧弯", "门诊楼三楼东区 301 诊室"),
    department("212", "关节外科", "210", 3, "骨关节炎、人工关节置换、运动损伤", "门诊楼三楼东区 305 诊室"),
    department("220", "普通外科", "200", 2, "甲状腺、乳腺、疝、胆囊疾病", "门诊楼三楼西区"),
    Department {
        rule: Some("仅限女性患者就诊"),
        sex_limit: Some(2),
        ..department("300", "妇产科", "-1", 1, "妇科疾病、孕产期保健", "门诊楼四楼")
    },
    Department {
        rule: Some("仅限女性患者就诊"),
        sex_limit: Some(2),
        ..department("310", "妇科", "300", 2, "月经失调、子宫肌瘤、妇科炎症", "门诊楼四楼东区")
    },
    Department {
        rule: Some("仅限女性患者就诊，请携带孕产妇保健手册"),
        sex_limit: Some(2),
        ..department("320", "产科", "300", 2, "产前检查、高危妊娠", "门诊楼四楼西区")
    },
    Department {
        rule: Some("仅限 14 周岁以下患儿就诊"),
        ages: Some((0, 13)),
        ..department("400", "儿科", "-1", 1, "儿童常见病", "门诊楼一楼")
    },
    Department {
        rule: Some("仅限 14 周岁以下患儿就诊"),
        ages: Some((0, 13)),
        ..department("410", "小儿内科", "400", 2, "小儿发热、咳嗽、腹泻、生长发育", "门诊楼一楼东区")
    },
    department("500", "中医科", "-1", 1, "中医内科调理、针灸推拿", "门诊楼五楼"),
];

pub struct Doctor {
    pub id: &'static str,
    pub department: &'static str,
    pub name: &'static str,
    /// 性别 code.
    pub sex: &'static str,
    /// 医生专业技术职称 code (231 主任医师 … 234 医师).
    pub title: &'static str,
    /// 专业技术职务 code (1 正高 … 4 师级).
    pub office: &'static str,
    pub expertise: &'static str,
    /// Whether the doctor's schedules are time-sliced (分时).
    pub sliced: bool,
}

const fn doctor(
    id: &'static str,
    department: &'static str,
    name: &'static str,
    sex: &'static str,
    title: &'static str,
    office: &'static str,
    expertise: &'static str,
) -> Doctor {
    Doctor { id, department, name, sex, title, office, expertise, sliced: true }
}

pub const DOCTORS: &[Doctor] = &[
    doctor("D001", "110", "张建国", "1", "231", "1", "冠心病介入治疗、难治性高血压"),
    doctor("D002", "110", "李秀梅", "2", "232", "2", "心律失常、心力衰竭"),
    doctor("D003", "120", "王志强", "1", "233", "3", "胃镜诊疗、幽门螺杆菌感染"),
    doctor("D004", "130", "赵丽华", "2", "231", "1", "慢性阻塞性肺疾病、肺结节"),
    doctor("D005", "211", "刘海峰", "1", "231", "1", "颈腰椎退行性疾病微创治疗"),
    doctor("D006", "212", "陈卫东", "1", "232", "2", "膝髋关节置换、运动医学"),
    Doctor { sliced: false, ..doctor("D007", "220", "杨帆", "1", "234", "4", "甲状腺结节、疝气") },
    doctor("D008", "310", "周雅琴", "2", "231", "1", "妇科肿瘤、宫腔镜诊疗"),
    doctor("D009", "320", "吴静", "2", "232", "2", "高危妊娠、产前诊断"),
    doctor("D010", "410", "孙晓燕", "2", "233", "3", "小儿呼吸道感染、儿童哮喘"),
    doctor("D011", "410", "马文博", "1", "232", "2", "小儿消化、儿童生长发育"),
    Doctor {
        sliced: false, ..doctor("D012", "500", "郭守仁", "1", "231", "1", "脾胃病、失眠的中医调理")
    },
];

/// A department by id; the catalogue is consistent, so every doctor's department is found.
pub fn department_of(doctor: &Doctor) -> &'static Department {
    DEPARTMENTS.iter().find(|d| d.id == doctor.department).unwrap_or(&DEPARTMENTS[0])
}

/// 挂号费 and 诊查费 in fen, and the 号源类别 (2 专家, 1 普通), by professional title.
pub fn fees(doctor: &Doctor) -> (i64, i64, i64) {
    match doctor.title {
        "231" => (100, 2400, 2),
        "232" => (100, 1400, 2),
        "233" => (100, 900, 1),
        _ => (100, 400, 1),
    }
}

/// One doctor's half-day.
pub struct Schedule {
    pub id: String,
    pub doctor: &'static Doctor,
    pub date: NaiveDate,
    /// 时段 code: 1 上午, 2 下午.
    pub noon: &'static str,
    pub start: String,
    pub end: String,
    /// When the numbers may be collected (`HH24:MI-HH24:MI`).
    pub take_time: &'static str,
    pub slices: Vec<Slice>,
}

pub struct Slice {
    pub no: i64,
    pub time_id: Option<String>,
    pub start: String,
    pub end: String,
    pub total: i64,
    pub remain: i64,
}

struct Period {
    noon: &'static str,
    /// Minutes since midnight.
    start: i64,
    end: i64,
    take_time: &'static str,
    /// Places of a schedule without slices.
    unsliced_total: i64,
}

const PERIODS: [Period; 2] = [
    Period { noon: "1", start: 8 * 60, end: 12 * 60, take_time: "07:30-11:30", unsliced_total: 30 },
    Period { noon: "2", start: 14 * 60, end: 17 * 60 + 30, take_time: "13:30-17:00", unsliced_total: 25 },
];

/// Places in each 30-minute slice.
const SLICE_QUOTA: i64 = 3;

/// The schedules of the seven days from `start`. The pattern is a pure function of the date, so that every
/// instance, and the platform's sample ledger, sees the same schedules.
pub fn plan(start: NaiveDate) -> Vec<Schedule> {
    let mut schedules = Vec::new();
    for day in 0..7_i64 {
        let date = start + Duration::days(day);
        for (i, doctor) in (0_i64..).zip(DOCTORS) {
            for period in &PERIODS {
                // Mornings on three days of four, afternoons every other day, staggered by doctor.
                let works = if period.noon == "1" { (i + day) % 4 != 3 } else { (i + day) % 2 == 0 };
                if works {
                    schedules.push(schedule(doctor, date, period, i * 7 + day));
                }
            }
        }
    }
    schedules
}

/// `salt` picks how much of the quota other channels have taken: a few schedules are nearly or entirely full.
fn schedule(doctor: &'static Doctor, date: NaiveDate, period: &Period, salt: i64) -> Schedule {
    let id = format!("{}{}{}", date.format("%Y%m%d"), period.noon, doctor.id);
    let (first, last) = (period.start, period.end);
    let slices: Vec<(String, String, i64)> = if doctor.sliced {
        (first..last).step_by(30).map(|m| (clock(m), clock(m + 30), SLICE_QUOTA)).collect()
    } else {
        vec![(clock(first), clock(last), period.unsliced_total)]
    };
    let count = slices.len() as i64;
    let slices = (0..)
        .zip(slices)
        .map(|(no, (start, end, total))| {
            let remain = if salt % 11 == 0 {
                0
            } else if salt % 5 == 0 {
                i64::from(no == count - 1)
            } else {
                (total - (salt + no) % 3).max(0)
            };
            let time_id = doctor.sliced.then(|| format!("{id}{no:02}"));
            Slice { no, time_id, start, end, total, remain }
        })
        .collect();
    let (start, end) = (clock(first), clock(last));
    Schedule { id, doctor, date, noon: period.noon, start, end, take_time: period.take_time, slices }
}

/// Minutes since midnight as `HH:MM`.
fn clock(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_doctor_works_in_a_known_department_and_some_schedules_are_nearly_full() {
        for doctor in DOCTORS {
            assert_eq!(department_of(doctor).id, doctor.department);
        }
        let plan = plan(NaiveDate::from_ymd_opt(2024, 6, 3).unwrap());
        let remaining = |s: &Schedule| s.slices.iter().map(|x| x.remain).sum::<i64>();
        assert!(plan.iter().any(|s| remaining(s) == 1));
        assert!(plan.iter().any(|s| remaining(s) == 0));
        assert!(plan.iter().all(|s| s.id.len() <= 32));
        let sliced = plan.iter().find(|s| s.doctor.sliced).unwrap();
        assert_eq!((sliced.slices.len(), sliced.slices[0].start.as_str()), (8, "08:00"));
    }
}
