//! A register order's state, the same on both sides: booked → paid → taken; booked → cancelled; paid (or taken)
//! → refunded once refunds reach the payment.

use hisgate_runtime::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Booked,
    Paid,
    Taken,
    Cancelled,
    Refunded,
}

impl Status {
    /// As the `status` columns keep it.
    pub fn parse(text: &str) -> Result<Status, StoreError> {
        Ok(match text {
            "booked" => Status::Booked,
            "paid" => Status::Paid,
            "taken" => Status::Taken,
            "cancelled" => Status::Cancelled,
            "refunded" => Status::Refunded,
            other => return Err(StoreError::Corrupt(format!("an unknown order status `{other}`"))),
        })
    }
}
