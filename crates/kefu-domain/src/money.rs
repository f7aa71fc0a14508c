//! Money: integer fen (1/100 yuan), never a float. Merchants write yuan ("59.9", "¥1,299");
//! kefu parses that exactly, stores and sends fen, and shows yuan.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An amount in fen. On the wire and in storage it is the bare integer (`price_fen: 5990`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = i64, format = Int64, example = 5990)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Parses an amount as merchants write it in yuan ("59.9", "59.90", "¥1,299"), exactly;
    /// `None` for anything else, negative amounts and more than two decimals included.
    pub fn parse_yuan(text: &str) -> Option<Money> {
        let cleaned: String = text
            .trim()
            .trim_start_matches(['¥', '￥'])
            .chars()
            .filter(|c| *c != ',')
            .collect();
        let (whole, fraction) = cleaned.split_once('.').unwrap_or((cleaned.as_str(), ""));
        if whole.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || fraction.len() > 2
            || !fraction.chars().all(|c| c.is_ascii_digit())
            || whole.len() > 12
        {
            return None;
        }
        let yuan: i64 = whole.parse().ok()?;
        let fen: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().ok()? * 10,
            _ => fraction.parse().ok()?,
        };
        yuan.checked_mul(100)?.checked_add(fen).map(Money)
    }

    /// `quantity` times this, held at the largest amount instead of overflowing.
    pub fn saturating_mul(self, quantity: i64) -> Money {
        Money(self.0.saturating_mul(quantity))
    }

    /// The sum, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

/// The sum, held at the largest (or smallest) amount instead of overflowing, like
/// [`Money::saturating_mul`]: amounts read from a file are summed before they are checked.
impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(amounts: I) -> Money {
        Money(amounts.fold(0, |sum, m| sum.saturating_add(m.0)))
    }
}

/// Yuan with two decimals, "59.90".
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let fen = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", fen / 100, fen % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_parses_exactly_into_fen() {
        let fen = |text| Money::parse_yuan(text).map(Money::fen);
        assert_eq!(fen("59.9"), Some(5_990));
        assert_eq!(fen("59.90"), Some(5_990));
        assert_eq!(fen("¥1,299"), Some(129_900));
        assert_eq!(fen("￥0.01"), Some(1));
        assert_eq!(fen("1.005"), None);
        assert_eq!(fen("-3"), None);
        assert_eq!(fen("abc"), None);
        assert_eq!(fen(""), None);
        assert_eq!(fen("9999999999999"), None);
    }

    #[test]
    fn fen_shows_as_yuan() {
        assert_eq!(Money::from_fen(5_990).to_string(), "59.90");
        assert_eq!(Money::from_fen(7).to_string(), "0.07");
        assert_eq!(Money::from_fen(-150).to_string(), "-1.50");
    }

    #[test]
    fn money_is_a_bare_integer_on_the_wire() {
        assert_eq!(
            serde_json::to_string(&Money::from_fen(5_990)).unwrap(),
            "5990"
        );
        let back: Money = serde_json::from_str("5990").unwrap();
        assert_eq!(back, Money::from_fen(5_990));
    }

    #[test]
    fn sums_hold_at_the_largest_amount() {
        let huge = [Money::from_fen(i64::MAX), Money::from_fen(1)];
        assert_eq!(huge.into_iter().sum::<Money>(), Money::from_fen(i64::MAX));
        let low = [Money::from_fen(i64::MIN), Money::from_fen(-1)];
        assert_eq!(low.into_iter().sum::<Money>(), Money::from_fen(i64::MIN));
    }

    proptest::proptest! {
        #[test]
        fn what_is_shown_parses_back(fen in 0i64..1_000_000_000_000) {
            let money = Money::from_fen(fen);
            proptest::prop_assert_eq!(Money::parse_yuan(&money.to_string()), Some(money));
        }
    }
}
