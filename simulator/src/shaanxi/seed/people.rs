//! The sample patients: fake people with well-formed resident ID numbers, one a child filed under a parent's.

use crate::people as resident_id;

/// A sample patient's file as the platform addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamplePatient {
    pub name: &'static str,
    /// 性别 code: 1 男, 2 女.
    pub sex: &'static str,
    pub birthday: &'static str,
    /// CreatePatient's patientType: 1 with papers of their own, 0 a child filed under a guardian's.
    pub patient_type: i32,
    /// A resident ID number (证件类型 1): the patient's own, or the guardian's for a child without papers.
    pub cert_no: String,
    pub mobile: &'static str,
    pub address: &'static str,
    /// A 医保卡 (卡类型 3) number, for those who have one.
    pub insurance_card: Option<&'static str>,
}

struct Person {
    name: &'static str,
    sex: &'static str,
    birthday: &'static str,
    /// 行政区划代码 of the ID number.
    region: &'static str,
    /// 顺序码; odd for men, even for women.
    sequence: &'static str,
    mobile: &'static str,
    address: &'static str,
    insurance_card: Option<&'static str>,
    /// For a child without papers: the index of the guardian, whose certificate files the child.
    guardian: Option<usize>,
}

const PEOPLE: [Person; 7] = [
    Person {
        name: "王建华",
        sex: "1",
        birthday: "1968-03-12",
        region: "610102",
        sequence: "031",
        mobile: "13800001001",
        address: "陕西省西安市新城区解放路 100 号",
        insurance_card: Some("610100000001"),
        guardian: None,
    },
    Person {
        name: "李娜",
        sex: "2",
        birthday: "1990-07-25",
        region: "610113",
        sequence: "046",
        mobile: "13800001002",
        address: "陕西省西安市雁塔区长安南路 200 号",
        insurance_card: Some("610100000002"),
        guardian: None,
    },
    Person {
        name: "张伟",
        sex: "1",
        birthday: "1985-11-02",
        region: "610103",
        sequence: "017",
        mobile: "13800001003",
        address: "陕西省西安市碑林区南大街 30 号",
        insurance_card: None,
        guardian: None,
    },
    Person {
        name: "赵敏",
        sex: "2",
        birthday: "1979-01-30",
        region: "610104",
        sequence: "028",
        mobile: "13800001004",
        address: "陕西省西安市莲湖区北大街 45 号",
        insurance_card: Some("610100000004"),
        guardian: None,
    },
    Person {
        name: "陈晓东",
        sex: "1",
        birthday: "1995-09-09",
        region: "610112",
        sequence: "055",
        mobile: "13800001005",
        address: "陕西省西安市未央区凤城八路 8 号",
        insurance_card: None,
        guardian: None,
    },
    Person {
        name: "刘子涵",
        sex: "2",
        birthday: "2019-06-01",
        region: "",
        sequence: "",
        mobile: "13800001002",
        address: "陕西省西安市雁塔区长安南路 200 号",
        insurance_card: None,
        guardian: Some(1),
    },
    Person {
        name: "周秀兰",
        sex: "2",
        birthday: "1952-04-18",
        region: "610111",
        sequence: "062",
        mobile: "13800001007",
        address: "陕西省西安市灞桥区纺织城正街 12 号",
        insurance_card: Some("610100000007"),
        guardian: None,
    },
];

/// The sample patients, in the order the seed files them.
pub fn sample_patients() -> Vec<SamplePatient> {
    let own = |p: &Person| resident_id::complete(&format!("{}{}{}", p.region, p.birthday.replace('-', ""), p.sequence));
    PEOPLE
        .iter()
        .map(|p| SamplePatient {
            name: p.name,
            sex: p.sex,
            birthday: p.birthday,
            patient_type: i32::from(p.guardian.is_none()),
            cert_no: p.guardian.map_or_else(|| own(p), |g| own(&PEOPLE[g])),
            mobile: p.mobile,
            address: p.address,
            insurance_card: p.insurance_card,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_valid_and_the_child_is_filed_under_her_mother() {
        let patients = sample_patients();
        assert!(patients.iter().all(|p| resident_id::is_valid(&p.cert_no)));
        let child = patients.iter().find(|p| p.patient_type == 0).unwrap();
        assert_eq!(child.cert_no, patients[1].cert_no);
        assert_eq!(&patients[0].cert_no[6..14], "19680312");
    }
}
