//! Go durations (`time.ParseDuration`), as Flux and Argo CD write them:
//! `1m`, `1m30s`, `1.5h`, `300ms`, `-2s`, `0`.

/// A duration in nanoseconds (negative durations are allowed, as in Go).
pub type Nanos = i128;

/// Parses a Go duration; the error says what is wrong.
pub fn parse_go_duration(text: &str) -> Result<Nanos, String> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if body == "0" {
        return Ok(0);
    }
    if body.is_empty() {
        return Err("empty duration".to_owned());
    }
    let mut total: Nanos = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = rest.get(..number_end).unwrap_or("");
        if number.is_empty() || number == "." {
            return Err(format!("expected a number at `{rest}`"));
        }
        let after_number = rest.get(number_end..).unwrap_or("");
        let unit_end = after_number
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after_number.len());
        let unit = after_number.get(..unit_end).unwrap_or("");
        let scale: Nanos = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "h" => 3_600 * 1_000_000_000,
            "" => {
                return Err(format!(
                    "missing unit after `{number}` (use ns, us, ms, s, m or h)"
                ))
            }
            other => {
                return Err(format!(
                    "unknown unit `{other}` (use ns, us, ms, s, m or h)"
                ))
            }
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if fraction.contains('.') {
            return Err(format!("`{number}` is not a number"));
        }
        let whole: Nanos = if whole.is_empty() {
            0
        } else {
            whole
                .parse()
                .map_err(|_| format!("`{number}` is too large"))?
        };
        let mut part = whole
            .checked_mul(scale)
            .ok_or_else(|| "duration out of range".to_owned())?;
        // Fraction digits beyond nanosecond precision do not matter.
        let mut divisor: Nanos = 1;
        let mut fraction_value: Nanos = 0;
        for digit in fraction.chars().take(18) {
            fraction_value = fraction_value * 10 + Nanos::from(digit.to_digit(10).unwrap_or(0));
            divisor *= 10;
        }
        part = part
            .checked_add(fraction_value * scale / divisor)
            .ok_or_else(|| "duration out of range".to_owned())?;
        total = total
            .checked_add(part)
            .ok_or_else(|| "duration out of range".to_owned())?;
        rest = after_number.get(unit_end..).unwrap_or("");
    }
    // Go limits durations to an int64 of nanoseconds.
    if total > Nanos::from(i64::MAX) {
        return Err("duration out of range (more than about 292 years)".to_owned());
    }
    Ok(if negative { -total } else { total })
}

/// A duration as Go prints it (`1m30s`, `5m0s`, `300ms`).
pub fn format_go_duration(nanos: Nanos) -> String {
    if nanos == 0 {
        return "0s".to_owned();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let value = nanos.abs();
    if value < 1_000_000_000 {
        return match value {
            v if v % 1_000_000 == 0 => format!("{sign}{}ms", v / 1_000_000),
            v if v % 1_000 == 0 => format!("{sign}{}µs", v / 1_000),
            v => format!("{sign}{v}ns"),
        };
    }
    let hours = value / 3_600_000_000_000;
    let minutes = (value / 60_000_000_000) % 60;
    let seconds = value % 60_000_000_000;
    let whole_seconds = seconds / 1_000_000_000;
    let fraction = seconds % 1_000_000_000;
    let seconds_text = if fraction == 0 {
        format!("{whole_seconds}s")
    } else {
        let digits = format!("{fraction:09}");
        format!("{whole_seconds}.{}s", digits.trim_end_matches('0'))
    };
    if hours > 0 {
        format!("{sign}{hours}h{minutes}m{seconds_text}")
    } else if minutes > 0 {
        format!("{sign}{minutes}m{seconds_text}")
    } else {
        format!("{sign}{seconds_text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    #[test]
    fn a_fraction_that_overflows_is_out_of_range() {
        // The whole part times the unit fits an i128, the fraction on top
        // does not: an overflow panic in debug builds, a negative duration
        // in release ones.
        assert_eq!(
            parse_go_duration("170141183460469231731687303715.999999999s"),
            Err("duration out of range".to_owned())
        );
    }

    #[test]
    fn parses_what_go_parses() {
        assert_eq!(parse_go_duration("1m30s"), Ok(90 * S));
        assert_eq!(parse_go_duration("1m"), Ok(60 * S));
        assert_eq!(parse_go_duration("1.5h"), Ok(5_400 * S));
        assert_eq!(parse_go_duration("300ms"), Ok(300_000_000));
        assert_eq!(parse_go_duration("2h45m"), Ok(9_900 * S));
        assert_eq!(parse_go_duration("-2s"), Ok(-2 * S));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration(".5s"), Ok(S / 2));
        assert_eq!(parse_go_duration("1µs"), Ok(1_000));
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "",
            "5",
            "1d",
            "m",
            "1.2.3s",
            "1 m",
            "one",
            "1m-3s",
            "99999999999999999h",
        ] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_as_go_prints() {
        assert_eq!(format_go_duration(90 * S), "1m30s");
        assert_eq!(format_go_duration(300 * S), "5m0s");
        assert_eq!(format_go_duration(3_600 * S), "1h0m0s");
        assert_eq!(format_go_duration(S / 2), "500ms");
        assert_eq!(format_go_duration(1_500_000_000), "1.5s");
    }
}
