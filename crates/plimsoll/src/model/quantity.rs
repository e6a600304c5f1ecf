//! Kubernetes resource quantities (`500m`, `1.5`, `128Mi`, `1G`, `2e3`),
//! parsed exactly.
//!
//! A [`Quantity`] holds an integer number of nano-units (`1` = 10⁻⁹ of the
//! unit) in an `i128`, so sums over thousands of containers never drift as
//! floating point would: `0.1 + 0.2` cores is exactly `300m`. The grammar is
//! the one of `k8s.io/apimachinery/pkg/api/resource`:
//!
//! ```text
//! quantity ::= sign? digits ('.' digits?)? suffix?   |   sign? '.' digits suffix?
//! suffix   ::= Ki | Mi | Gi | Ti | Pi | Ei            (powers of 1024)
//!            | n | u | m | "" | k | M | G | T | P | E  (powers of 1000)
//!            | (e | E) sign? digits                    (power of ten)
//! ```
//!
//! As Kubernetes does, a value finer than the smallest unit (one nano) is
//! rounded up. Values whose nano count does not fit in an `i128` (beyond
//! about 10²⁹ units) are reported as too large rather than wrapped.

use std::fmt;

use crate::yaml::{Node, Value};

const NANOS_PER_UNIT: i128 = 1_000_000_000;

/// An exact resource quantity, in nano-units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity {
    nanos: i128,
}

/// Why a quantity does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Nothing written.
    #[error("the quantity is empty")]
    Empty,
    /// Not a number followed by a known suffix.
    #[error("\"{0}\" is not a quantity (a number with an optional suffix such as m, Mi, Gi, k, M, G or e3)")]
    Malformed(String),
    /// An unknown suffix.
    #[error("\"{text}\" has an unknown suffix \"{suffix}\" (known: n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, or an exponent such as e3)")]
    UnknownSuffix {
        /// The quantity as written.
        text: String,
        /// The suffix.
        suffix: String,
    },
    /// Too large to hold.
    #[error("\"{0}\" is too large")]
    TooLarge(String),
    /// A value of another type (a list, a mapping, a boolean).
    #[error("a quantity must be a string or a number, not {0}")]
    WrongType(&'static str),
}

/// How to print a quantity in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// CPU: whole cores (`2`) or millicores (`1500m`).
    Cpu,
    /// Bytes: binary suffixes when exact (`512Mi`), else decimal ones.
    Bytes,
    /// A plain count (`pods`, `count/…`).
    Count,
}

impl Unit {
    /// The unit of a resource name (`requests.cpu`, `limits.memory`, `pods`).
    pub fn of_resource(name: &str) -> Unit {
        let base = name.rsplit('.').next().unwrap_or(name);
        if base == "cpu" {
            Unit::Cpu
        } else if base.contains("memory")
            || base.contains("storage")
            || base.starts_with("hugepages-")
        {
            Unit::Bytes
        } else {
            Unit::Count
        }
    }
}

impl Quantity {
    /// Zero.
    pub const ZERO: Quantity = Quantity { nanos: 0 };

    /// A quantity of `nanos` nano-units.
    pub fn from_nanos(nanos: i128) -> Quantity {
        Quantity { nanos }
    }

    /// A whole number of units.
    pub fn from_units(units: i64) -> Quantity {
        Quantity {
            nanos: i128::from(units) * NANOS_PER_UNIT,
        }
    }

    /// The value in nano-units.
    pub fn nanos(self) -> i128 {
        self.nanos
    }

    /// Whether it is zero.
    pub fn is_zero(self) -> bool {
        self.nanos == 0
    }

    /// Parses the text of a quantity.
    pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(QuantityError::Empty);
        }
        let malformed = || QuantityError::Malformed(text.to_owned());
        let too_large = || QuantityError::TooLarge(text.to_owned());
        let (negative, unsigned) = match trimmed.as_bytes().first() {
            Some(b'-') => (true, trimmed.get(1..).unwrap_or("")),
            Some(b'+') => (false, trimmed.get(1..).unwrap_or("")),
            _ => (false, trimmed),
        };
        let number_end = unsigned
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(unsigned.len());
        let (number, suffix) = unsigned.split_at(number_end);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
            return Err(malformed());
        }
        // The digits as one integer, and the power of ten that scales it.
        let mut mantissa: i128 = 0;
        for digit in whole.bytes().chain(fraction.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(digit - b'0')))
                .ok_or_else(too_large)?;
        }
        let fraction_digits = i32::try_from(fraction.len()).map_err(|_| too_large())?;
        let (binary_power, decimal_power) = suffix_powers(suffix, text)?;
        // nanos = mantissa × 1024^binary × 10^(decimal − fraction_digits + 9)
        let mut nanos = mantissa
            .checked_mul(1i128 << binary_power)
            .ok_or_else(too_large)?;
        let exponent = decimal_power - fraction_digits + 9;
        if exponent >= 0 {
            for _ in 0..exponent {
                nanos = nanos.checked_mul(10).ok_or_else(too_large)?;
            }
        } else {
            // Finer than a nano: round up, as Kubernetes does.
            let divisor = (0..-exponent).try_fold(1i128, |d, _| d.checked_mul(10));
            nanos = match divisor {
                Some(divisor) => {
                    let quotient = nanos / divisor;
                    if nanos % divisor == 0 {
                        quotient
                    } else {
                        quotient + 1
                    }
                }
                // More than 38 digits below a nano: any non-zero value
                // rounds up to one nano.
                None => i128::from(nanos != 0),
            };
        }
        Ok(Quantity {
            nanos: if negative { -nanos } else { nanos },
        })
    }

    /// Reads a quantity from a YAML value: a string, or a number written
    /// without quotes (`cpu: 1`, `cpu: 0.5`).
    pub fn from_node(node: &Node) -> Result<Quantity, QuantityError> {
        match &node.value {
            Value::String(text) => Quantity::parse(text),
            Value::Int(number) => Ok(Quantity::from_units(*number)),
            // The shortest text that reads back as the same float is the
            // decimal the author wrote (up to 15 significant digits).
            Value::Float(number) if number.is_finite() => Quantity::parse(&format!("{number:?}")),
            Value::Float(_) => Err(QuantityError::Malformed(format!("{:?}", node.value))),
            other => Err(QuantityError::WrongType(other.type_name())),
        }
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        self.nanos
            .checked_add(other.nanos)
            .map(Quantity::from_nanos)
    }

    /// `self − other`, or `None` on overflow.
    pub fn checked_sub(self, other: Quantity) -> Option<Quantity> {
        self.nanos
            .checked_sub(other.nanos)
            .map(Quantity::from_nanos)
    }

    /// The value in whole units, when it is an integer that fits an `i64`
    /// (CEL `asInteger()`).
    pub fn as_integer(self) -> Option<i64> {
        if self.nanos % NANOS_PER_UNIT == 0 {
            i64::try_from(self.nanos / NANOS_PER_UNIT).ok()
        } else {
            None
        }
    }

    /// The value as a float, which may lose precision (CEL
    /// `asApproximateFloat()`).
    pub fn as_f64(self) -> f64 {
        // i128 → f64 is a lossy conversion by design here.
        #[allow(clippy::cast_precision_loss)]
        let value = self.nanos as f64;
        value / 1e9
    }

    /// `-1`, `0` or `1` (CEL `sign()`).
    pub fn sign(self) -> i64 {
        match self.nanos {
            0 => 0,
            value if value < 0 => -1,
            _ => 1,
        }
    }

    /// `self + other`, saturating at the largest value.
    #[must_use]
    pub fn saturating_add(self, other: Quantity) -> Quantity {
        Quantity::from_nanos(self.nanos.saturating_add(other.nanos))
    }

    /// `self × count`, saturating at the largest value.
    #[must_use]
    pub fn saturating_mul(self, count: i64) -> Quantity {
        Quantity::from_nanos(self.nanos.saturating_mul(i128::from(count)))
    }

    /// Whether `self / other > ratio` (a LimitRange `maxLimitRequestRatio`),
    /// computed without division.
    pub fn ratio_exceeds(self, other: Quantity, ratio: Quantity) -> bool {
        // self / other > ratio  ⇔  self × 10⁹ > ratio × other (in nanos).
        let left = self.nanos.saturating_mul(NANOS_PER_UNIT);
        let right = ratio.nanos.saturating_mul(other.nanos);
        left > right
    }

    /// The quantity written for a resource of this unit (`1500m`, `2`,
    /// `512Mi`, `1G`).
    pub fn display(self, unit: Unit) -> String {
        let sign = if self.nanos < 0 { "-" } else { "" };
        let nanos = self.nanos.unsigned_abs();
        let per_unit = NANOS_PER_UNIT.unsigned_abs();
        if nanos % per_unit != 0 {
            let (value, suffix) = if nanos % 1_000_000 == 0 {
                (nanos / 1_000_000, "m")
            } else if nanos % 1_000 == 0 {
                (nanos / 1_000, "u")
            } else {
                (nanos, "n")
            };
            return format!("{sign}{value}{suffix}");
        }
        let units = nanos / per_unit;
        if unit == Unit::Bytes && units != 0 {
            for (suffix, power) in [
                ("Ei", 60),
                ("Pi", 50),
                ("Ti", 40),
                ("Gi", 30),
                ("Mi", 20),
                ("Ki", 10),
            ] {
                let size = 1u128 << power;
                if units % size == 0 {
                    return format!("{sign}{}{suffix}", units / size);
                }
            }
            for (suffix, size) in [
                ("E", 1_000_000_000_000_000_000u128),
                ("P", 1_000_000_000_000_000),
                ("T", 1_000_000_000_000),
                ("G", 1_000_000_000),
                ("M", 1_000_000),
                ("k", 1_000),
            ] {
                if units % size == 0 {
                    return format!("{sign}{}{suffix}", units / size);
                }
            }
        }
        format!("{sign}{units}")
    }
}

/// The powers of two and of ten a suffix stands for.
fn suffix_powers(suffix: &str, text: &str) -> Result<(u32, i32), QuantityError> {
    let powers = match suffix {
        "" => (0, 0),
        "n" => (0, -9),
        "u" => (0, -6),
        "m" => (0, -3),
        "k" => (0, 3),
        "M" => (0, 6),
        "G" => (0, 9),
        "T" => (0, 12),
        "P" => (0, 15),
        "E" => (0, 18),
        "Ki" => (10, 0),
        "Mi" => (20, 0),
        "Gi" => (30, 0),
        "Ti" => (40, 0),
        "Pi" => (50, 0),
        "Ei" => (60, 0),
        _ => {
            let exponent = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))
                .filter(|rest| {
                    let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
                    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
                });
            let Some(exponent) = exponent else {
                return Err(if suffix.chars().all(char::is_alphanumeric) {
                    QuantityError::UnknownSuffix {
                        text: text.to_owned(),
                        suffix: suffix.to_owned(),
                    }
                } else {
                    QuantityError::Malformed(text.to_owned())
                });
            };
            let power: i32 = exponent
                .parse()
                .ok()
                .filter(|power: &i32| power.abs() <= 64)
                .ok_or_else(|| QuantityError::TooLarge(text.to_owned()))?;
            (0, power)
        }
    };
    Ok(powers)
}

impl fmt::Display for Quantity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.display(Unit::Count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(text: &str) -> i128 {
        Quantity::parse(text).unwrap().nanos()
    }

    #[test]
    fn suffixes_scale_exactly() {
        assert_eq!(nanos("500m"), 500_000_000);
        assert_eq!(nanos("1.5"), 1_500_000_000);
        assert_eq!(nanos("2"), 2_000_000_000);
        assert_eq!(nanos("128Mi"), 128 * 1024 * 1024 * 1_000_000_000);
        assert_eq!(nanos("1G"), 1_000_000_000 * 1_000_000_000);
        assert_eq!(nanos("2e3"), 2_000 * 1_000_000_000);
        assert_eq!(nanos("2E-3"), 2_000_000);
        assert_eq!(nanos("1.5Gi"), 1_610_612_736 * 1_000_000_000);
        assert_eq!(nanos("100n"), 100);
        assert_eq!(nanos("250u"), 250_000);
        assert_eq!(nanos(".5"), 500_000_000);
        assert_eq!(nanos("5."), 5_000_000_000);
        assert_eq!(nanos("+1k"), 1_000_000_000_000);
        assert_eq!(nanos("-1"), -1_000_000_000);
        assert_eq!(nanos("16Ei"), (16i128 << 60) * 1_000_000_000);
    }

    #[test]
    fn finer_than_a_nano_rounds_up() {
        assert_eq!(nanos("0.0000000001"), 1);
        assert_eq!(nanos("1.0000000001"), 1_000_000_001);
        assert_eq!(nanos("1e-60"), 1);
        assert_eq!(nanos("0e-60"), 0);
    }

    #[test]
    fn sums_do_not_drift() {
        let tenth = Quantity::parse("0.1").unwrap();
        let sum = (0..3).fold(Quantity::ZERO, |sum, _| sum.saturating_add(tenth));
        assert_eq!(sum, Quantity::parse("300m").unwrap());
        let many = (0..10_000).fold(Quantity::ZERO, |sum, _| sum.saturating_add(tenth));
        assert_eq!(many, Quantity::parse("1000").unwrap());
    }

    #[test]
    fn malformed_quantities_say_why() {
        assert_eq!(Quantity::parse(""), Err(QuantityError::Empty));
        assert!(matches!(
            Quantity::parse("500mb"),
            Err(QuantityError::UnknownSuffix { suffix, .. }) if suffix == "mb"
        ));
        assert!(matches!(
            Quantity::parse("1GB"),
            Err(QuantityError::UnknownSuffix { .. })
        ));
        for bad in ["abc", ".", "1.2.3", "m", "1 Gi", "--1", "1e", "1e+"] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            Quantity::parse("1e99"),
            Err(QuantityError::TooLarge(_))
        ));
        assert!(matches!(
            Quantity::parse("99999999999999999999999999999999999999999"),
            Err(QuantityError::TooLarge(_))
        ));
        assert!(matches!(
            Quantity::parse("1e30"),
            Err(QuantityError::TooLarge(_))
        ));
        let message = Quantity::parse("500mb").unwrap_err().to_string();
        assert!(message.contains("unknown suffix \"mb\""), "{message}");
    }

    #[test]
    fn yaml_numbers_are_quantities() {
        let node = |value| Node {
            value,
            span: crate::source::TextRange::default(),
        };
        assert_eq!(
            Quantity::from_node(&node(Value::Int(2))).unwrap(),
            Quantity::parse("2").unwrap()
        );
        assert_eq!(
            Quantity::from_node(&node(Value::Float(0.1))).unwrap(),
            Quantity::parse("100m").unwrap()
        );
        assert_eq!(
            Quantity::from_node(&node(Value::Float(2e3))).unwrap(),
            Quantity::parse("2k").unwrap()
        );
        assert_eq!(
            Quantity::from_node(&node(Value::Bool(true))),
            Err(QuantityError::WrongType("boolean"))
        );
    }

    #[test]
    fn quantities_print_in_their_unit() {
        let show = |text: &str, unit| Quantity::parse(text).unwrap().display(unit);
        assert_eq!(show("1500m", Unit::Cpu), "1500m");
        assert_eq!(show("2", Unit::Cpu), "2");
        assert_eq!(show("0.25", Unit::Cpu), "250m");
        assert_eq!(show("536870912", Unit::Bytes), "512Mi");
        assert_eq!(show("1G", Unit::Bytes), "1G");
        assert_eq!(show("1000", Unit::Bytes), "1k");
        assert_eq!(show("1001", Unit::Bytes), "1001");
        assert_eq!(show("10", Unit::Count), "10");
        assert_eq!(show("1n", Unit::Cpu), "1n");
        assert_eq!(show("-3", Unit::Count), "-3");
        assert_eq!(Unit::of_resource("requests.cpu"), Unit::Cpu);
        assert_eq!(Unit::of_resource("limits.memory"), Unit::Bytes);
        assert_eq!(Unit::of_resource("requests.ephemeral-storage"), Unit::Bytes);
        assert_eq!(Unit::of_resource("pods"), Unit::Count);
    }

    #[test]
    fn parses_the_kubernetes_forms() {
        let q = |text| Quantity::parse(text).ok().map(Quantity::nanos);
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
            assert_eq!(Quantity::parse(text).ok(), None, "{text}");
        }
    }

    #[test]
    fn compares_across_units() {
        let q = |text| Quantity::parse(text).ok();
        assert!(q("1Gi") > q("1G"));
        assert!(q("500m") < q("1"));
        assert_eq!(q("1000m"), q("1"));
        assert_eq!(q("1500m").and_then(|q| q.as_integer()), None);
        assert_eq!(q("2k").and_then(|q| q.as_integer()), Some(2000));
    }

    #[test]
    fn ratios_compare_exactly() {
        let q = |text| Quantity::parse(text).unwrap();
        assert!(q("2").ratio_exceeds(q("500m"), q("3")));
        assert!(!q("1500m").ratio_exceeds(q("500m"), q("3")));
        assert!(!q("2").ratio_exceeds(q("1"), q("2")));
    }
}
