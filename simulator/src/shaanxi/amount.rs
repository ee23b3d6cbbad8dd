//! shaanxi's amounts are fen already (`unit: fen`), typed decimal(10,2): the store keeps whole fen.

use rust_decimal::Decimal;

/// A whole, non-negative number of fen; `None` for a fraction of a fen, a negative or an out-of-range amount.
pub fn fen(amount: Decimal) -> Option<i64> {
    if amount.is_sign_negative() || amount.fract() != Decimal::ZERO {
        return None;
    }
    i64::try_from(amount).ok()
}

/// Fen as the wire carries them (`700`).
pub fn decimal(fen: i64) -> Decimal {
    Decimal::from(fen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn only_whole_fen_pass() {
        assert_eq!(fen(Decimal::from_str("100.00").unwrap()), Some(100));
        assert_eq!(fen(Decimal::from_str("0.5").unwrap()), None);
        assert_eq!(fen(Decimal::from_str("-1").unwrap()), None);
        assert_eq!(decimal(700).to_string(), "700");
    }
}
