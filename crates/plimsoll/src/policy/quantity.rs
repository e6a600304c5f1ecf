//! Kubernetes resource quantities (`100m`, `1.5Gi`, `2e3`), parsed exactly.
//!
//! A quantity is kept as a whole number of nano-units in an `i128`, which
//! holds every quantity Kubernetes accepts (up to `E`/`Ei` scale) without
//! rounding; like Kubernetes, a value finer than a nano-unit rounds up.

/// A parsed quantity, in nano-units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(pub i128);

const NANO: i128 = 1_000_000_000;

impl Quantity {
    /// Parses a quantity as Kubernetes writes them; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Quantity> {
        let text = text.trim();
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_end);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
            return None;
        }
        // mantissa = digits (whole + fraction) / 10^fraction.len()
        let digits = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 30 {
            return None;
        }
        let mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        let fraction_digits = i32::try_from(fraction.len()).ok()?;
        // value = mantissa * 10^(exp10 - fraction_digits) * 2^exp2
        let (exp10, exp2): (i32, u32) = match suffix {
            "" => (0, 0),
            "n" => (-9, 0),
            "u" => (-6, 0),
            "m" => (-3, 0),
            "k" => (3, 0),
            "M" => (6, 0),
            "G" => (9, 0),
            "T" => (12, 0),
            "P" => (15, 0),
            "E" => (18, 0),
            "Ki" => (0, 10),
            "Mi" => (0, 20),
            "Gi" => (0, 30),
            "Ti" => (0, 40),
            "Pi" => (0, 50),
            "Ei" => (0, 60),
            other => {
                let exponent = other.strip_prefix(['e', 'E'])?;
                let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (exponent.parse::<i32>().ok()?, 0)
            }
        };
        let scale = exp10.checked_sub(fraction_digits)?.checked_add(9)?;
        let mut value = mantissa.checked_mul(1_i128.checked_shl(exp2)?)?;
        if scale >= 0 {
            value = value.checked_mul(10_i128.checked_pow(u32::try_from(scale).ok()?)?)?;
        } else {
            let divisor = 10_i128.checked_pow(u32::try_from(-scale).ok()?)?;
            let rounded_up = value % divisor != 0;
            value = value / divisor + i128::from(rounded_up);
        }
        Some(Quantity(if negative { -value } else { value }))
    }

    /// The value in whole units, when it is an integer that fits an `i64`.
    pub fn as_integer(self) -> Option<i64> {
        if self.0 % NANO == 0 {
            i64::try_from(self.0 / NANO).ok()
        } else {
            None
        }
    }

    /// The value as a float (may lose precision).
    pub fn as_f64(self) -> f64 {
        // i128 → f64 is a lossy conversion by design here.
        #[allow(clippy::cast_precision_loss)]
        let value = self.0 as f64;
        value / 1e9
    }

    /// `-1`, `0` or `1`.
    pub fn sign(self) -> i64 {
        match self.0 {
            0 => 0,
            value if value < 0 => -1,
            _ => 1,
        }
    }

    /// The sum, if it does not overflow.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        self.0.checked_add(other.0).map(Quantity)
    }

    /// The quantity of a whole number of units.
    pub fn from_integer(units: i64) -> Quantity {
        Quantity(i128::from(units) * NANO)
    }
}

impl std::fmt::Display for Quantity {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 % NANO == 0 {
            write!(formatter, "{}", self.0 / NANO)
        } else if self.0 % 1_000_000 == 0 {
            write!(formatter, "{}m", self.0 / 1_000_000)
        } else {
            write!(formatter, "{}n", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Quantity;

    fn q(text: &str) -> Option<i128> {
        Quantity::parse(text).map(|q| q.0)
    }

    #[test]
    fn parses_the_kubernetes_forms() {
        assert_eq!(q("1"), Some(1_000_000_000));
        assert_eq!(q("100m"), Some(100_000_000));
        assert_eq!(q("0.5"), Some(500_000_000));
        assert_eq!(q("1.5Gi"), Some(1_610_612_736_000_000_000));
        assert_eq!(q("64Mi"), Some(67_108_864_000_000_000));
        assert_eq!(q("2k"), Some(2_000_000_000_000));
        assert_eq!(q("1e3"), Some(1_000_000_000_000));
        assert_eq!(q("1E-3"), Some(1_000_000));
        assert_eq!(q("-2"), Some(-2_000_000_000));
        assert_eq!(q("1Ei"), Some(1_152_921_504_606_846_976_000_000_000));
        // finer than a nano-unit rounds up, as in Kubernetes
        assert_eq!(q("0.1n"), Some(1));
    }

    #[test]
    fn rejects_what_is_not_a_quantity() {
        for text in ["", "abc", "1.2.3", "1Gb", "1e", "Mi", ".", "1ee3", "--1"] {
            assert_eq!(q(text), None, "{text}");
        }
    }

    #[test]
    fn compares_across_units() {
        assert!(Quantity::parse("1Gi") > Quantity::parse("1G"));
        assert!(Quantity::parse("500m") < Quantity::parse("1"));
        assert_eq!(Quantity::parse("1000m"), Quantity::parse("1"));
        assert_eq!(Quantity::parse("1500m").and_then(|q| q.as_integer()), None);
        assert_eq!(
            Quantity::parse("2k").and_then(|q| q.as_integer()),
            Some(2000)
        );
    }
}
