//! The hospital's side of `kiosk`: patients and their card balances, and fee payments that take effect once per
//! kiosk trade number (a kiosk that timed out and pays again gets the first receipt, not a second charge).

use crate::kiosk;
use crate::kiosk::interfaces::{get_patient, pay_fee};
use hisgate::Decimal;
use hisgate::server::{Context, Failure};
use std::collections::HashMap;
use std::sync::Mutex;

/// The hospital's ledger, in memory: a real gateway asks its HIS here.
#[derive(Debug, Default)]
pub struct Gateway {
    ledger: Mutex<Ledger>,
}

#[derive(Debug, Default)]
struct Ledger {
    /// Card number → patient.
    cards: HashMap<String, Patient>,
    /// Kiosk trade number → the payment's request and answer.
    paid: HashMap<String, (pay_fee::Request, pay_fee::Response)>,
    receipts: u32,
}

#[derive(Debug, Clone)]
struct Patient {
    id: String,
    name: String,
    balance: Decimal,
}

impl Gateway {
    /// A ledger with one patient per `(card, patient id, name, balance)`.
    pub fn with_patients(patients: &[(&str, &str, &str, Decimal)]) -> Gateway {
        let cards = patients
            .iter()
            .map(|(card, id, name, balance)| {
                ((*card).to_owned(), Patient { id: (*id).to_owned(), name: (*name).to_owned(), balance: *balance })
            })
            .collect();
        Gateway { ledger: Mutex::new(Ledger { cards, ..Ledger::default() }) }
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl kiosk::hospital::Handler for Gateway {
    async fn get_patient(&self, request: get_patient::Request, _: Context) -> Result<get_patient::Response, Failure> {
        let ledger = self.ledger();
        let patient = ledger.cards.get(&request.card_no).ok_or_else(|| Failure::business("2001"))?;
        Ok(get_patient::Response {
            patient_id: patient.id.clone(),
            name: patient.name.clone(),
            balance: patient.balance,
        })
    }

    async fn pay_fee(&self, request: pay_fee::Request, _: Context) -> Result<pay_fee::Response, Failure> {
        let mut ledger = self.ledger();
        if let Some((first, answer)) = ledger.paid.get(&request.trade_no) {
            return match *first == request {
                true => Ok(answer.clone()),
                false => Err(Failure::with_message("1001", format!("流水号 {} 已用于另一笔缴费", request.trade_no))),
            };
        }
        if request.amount <= Decimal::ZERO {
            return Err(Failure::with_message("1001", format!("缴费金额 {} 必须大于零", request.amount)));
        }
        let patient =
            ledger.cards.values_mut().find(|p| p.id == request.patient_id).ok_or_else(|| Failure::business("2001"))?;
        if patient.balance < request.amount {
            return Err(Failure::with_message("1001", format!("余额不足：{} < {}", patient.balance, request.amount)));
        }
        patient.balance -= request.amount;
        let balance = patient.balance;
        ledger.receipts += 1;
        let answer = pay_fee::Response { receipt_no: format!("R{:06}", ledger.receipts), balance };
        ledger.paid.insert(request.trade_no.clone(), (request, answer.clone()));
        Ok(answer)
    }
}
