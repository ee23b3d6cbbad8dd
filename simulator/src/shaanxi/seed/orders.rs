//! The sample register orders, one per fate an order can meet. Both sides seed them — the hospital through its
//! own OrderRegister and Pay, the platform into its ledger — from the same pure function of the start date, so two
//! simulators started the same day hold the same orders.

use super::catalog::{Schedule, Slice};
use super::people::SamplePatient;
use chrono::{Duration, NaiveDate};
use hisgate_generated::shaanxi::dict::{Channel, PayType};

/// How the samples were booked and paid: from the WeChat official account, by WeChat JSAPI, to this merchant.
pub const CHANNEL: Channel = Channel::WechatOfficialAccount;
pub const PAY_TYPE: PayType = PayType::WechatJsapi;
pub const MERCHANT: &str = "1900000109";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Booked,
    Paid,
    Taken,
    Cancelled,
    /// Paid through the platform, then refunded in cash at the hospital's window.
    RefundedAtWindow,
}

impl Fate {
    pub fn paid(self) -> bool {
        matches!(self, Fate::Paid | Fate::Taken | Fate::RefundedAtWindow)
    }
}

pub struct SampleOrder<'a> {
    /// 1, 2, …: the order in which the hospital books them, and so the number of its hospital order id.
    pub number: i64,
    /// The number of its hospital trade id, for a paid order.
    pub trade_number: Option<i64>,
    pub order_id: String,
    pub patient: &'a SamplePatient,
    pub schedule: &'a Schedule,
    pub slice: &'a Slice,
    pub fate: Fate,
}

impl SampleOrder<'_> {
    pub fn trade_id(&self) -> String {
        format!("PAY{}{:04}", self.schedule.date.format("%Y%m%d"), self.number)
    }

    pub fn out_trade_id(&self) -> String {
        format!("4200{}{:08}", self.schedule.date.format("%Y%m%d"), self.number)
    }

    /// 0 当天挂号 for today's schedules, 1 预约挂号 for later ones.
    pub fn business_type(&self, start: NaiveDate) -> i32 {
        i32::from(self.schedule.date != start)
    }

    pub fn total_fen(&self) -> i64 {
        let (register, treat, _) = super::catalog::fees(self.schedule.doctor);
        register + treat
    }
}

/// (patient index, doctor, days from the start, fate).
const SAMPLES: [(usize, &str, i64, Fate); 7] = [
    (0, "D001", 1, Fate::Paid),
    (1, "D008", 2, Fate::Booked),
    (2, "D003", 0, Fate::Taken),
    (3, "D004", 1, Fate::RefundedAtWindow),
    (5, "D010", 2, Fate::Paid),
    (4, "D005", 1, Fate::Cancelled),
    (6, "D012", 3, Fate::Paid),
];

/// The sample orders on `plan` (the schedules from `start`): each on its doctor's first schedule from its day with a
/// place left.
pub fn sample_orders<'a>(
    start: NaiveDate,
    plan: &'a [Schedule],
    patients: &'a [SamplePatient],
) -> Vec<SampleOrder<'a>> {
    let mut orders = Vec::new();
    let mut trades = 0;
    for (patient, doctor, day, fate) in SAMPLES {
        let from = start + Duration::days(day);
        let found = plan
            .iter()
            .filter(|s| s.doctor.id == doctor && s.date >= from)
            .find_map(|schedule| schedule.slices.iter().find(|slice| slice.remain > 0).map(|slice| (schedule, slice)));
        let (Some((schedule, slice)), Some(patient)) = (found, patients.get(patient)) else { continue };
        let number = orders.len() as i64 + 1;
        let trade_number = fate.paid().then(|| {
            trades += 1;
            trades
        });
        let order_id = format!("{}{:08}", start.format("%Y%m%d"), 90_000_000 + number);
        orders.push(SampleOrder { number, trade_number, order_id, patient, schedule, slice, fate });
    }
    orders
}

#[cfg(test)]
mod tests {
    use super::super::{catalog, people};
    use super::*;

    #[test]
    fn every_fate_finds_a_place() {
        let start = NaiveDate::from_ymd_opt(2024, 6, 3).unwrap();
        let plan = catalog::plan(start);
        let patients = people::sample_patients();
        let orders = sample_orders(start, &plan, &patients);
        assert_eq!(orders.len(), SAMPLES.len());
        let trades: Vec<Option<i64>> = orders.iter().map(|o| o.trade_number).collect();
        assert_eq!(trades, [Some(1), None, Some(2), Some(3), Some(4), None, Some(5)]);
    }
}
