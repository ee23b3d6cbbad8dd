//! Money as the store keeps it: integer fen, so sums and `CHECK` constraints in the database are exact.

use rust_decimal::Decimal;

/// Yuan with at most two decimals to fen; `None` for a finer or out-of-range amount.
pub fn to_fen(yuan: Decimal) -> Option<i64> {
    let fen = yuan.checked_mul(Decimal::ONE_HUNDRED)?;
    if fen.fract() != Decimal::ZERO {
        return None;
    }
    i64::try_from(fen).ok()
}

/// Fen to yuan with two decimals (`1050` → `10.50`).
pub fn to_yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn converts_exactly() {
        assert_eq!(to_fen(Decimal::from_str("10.50").unwrap()), Some(1050));
        assert_eq!(to_fen(Decimal::from_str("0.005").unwrap()), None);
        assert_eq!(to_yuan(1050).to_string(), "10.50");
    }
}
