//! Scalar resolution as Kubernetes reads YAML.
//!
//! `kubectl`, the API server and kubeconform decode YAML with a YAML 1.1
//! reader, so a plain `yes`, `on` or `y` is a boolean and `0755` an octal
//! integer. Resolving the same way means a manifest that Kubernetes would
//! reject (a boolean where a string is expected) is reported here too.
//! Kustomize reads YAML 1.2, where only `true` and `false` are booleans:
//! the files it builds are read again as it reads them
//! ([`read_booleans_as_kustomize`]).

use super::tree::{Node, Value};
use crate::source::TextRange;
use saphyr_parser::{ScalarStyle, Tag};

/// Resolves a scalar's text to a value, given its style and tag.
pub(crate) fn resolve(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        return match core_suffix(tag) {
            Some(suffix) => resolve_core_tag(text, suffix),
            // Any other tag (`!vault x`, the non-specific `!`, a verbatim
            // `!<tag:example.com,2000:x>`): Kubernetes' reader keeps the text
            // as a string, so `!custom yes` is not a boolean.
            None => Value::String(text.into()),
        };
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.into());
    }
    resolve_plain(text)
}

/// The suffix of a tag of the YAML core schema (`!!int`, or its verbatim
/// form `!<tag:yaml.org,2002:int>`).
fn core_suffix(tag: &Tag) -> Option<&str> {
    if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
        Some(&tag.suffix)
    } else if tag.handle.is_empty() {
        tag.suffix.strip_prefix("tag:yaml.org,2002:")
    } else {
        None
    }
}

fn resolve_core_tag(text: &str, suffix: &str) -> Value {
    match suffix {
        "null" => Value::Null,
        "bool" => resolve_bool(text).map_or_else(|| Value::String(text.into()), Value::Bool),
        "int" => resolve_int(text).map_or_else(|| Value::String(text.into()), Value::Int),
        "float" => resolve_number(text).unwrap_or_else(|| Value::String(text.into())),
        _ => Value::String(text.into()),
    }
}

/// Resolves an untagged plain scalar.
pub(crate) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(flag) = resolve_bool(text) {
        return Value::Bool(flag);
    }
    let first = text.as_bytes().first().copied().unwrap_or(b' ');
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        if let Some(number) = resolve_number(text) {
            return number;
        }
    }
    Value::String(text.into())
}

/// Reads `node`, parsed from `text` as Kubernetes' reader does (YAML 1.1),
/// as Kustomize reads it (YAML 1.2): `y`, `yes`, `on`, `off` and the like are
/// strings there, in values and in keys, and only `true` and `false` are
/// booleans. Kustomize writes such a string quoted in what it builds, so
/// the cluster gets the string.
pub(crate) fn read_booleans_as_kustomize(node: &mut Node, text: &str) {
    match &mut node.value {
        Value::Bool(_) => {
            if let Some(written) = yaml_1_1_only_boolean(text, node.span) {
                node.value = Value::String(written.into());
            }
        }
        Value::Seq(items) => {
            for item in items.iter_mut() {
                read_booleans_as_kustomize(item, text);
            }
        }
        Value::Map(entries) => {
            for entry in entries.iter_mut() {
                if let Some(written) = yaml_1_1_only_boolean(text, entry.key_span) {
                    entry.key = written.into();
                }
                read_booleans_as_kustomize(&mut entry.value, text);
            }
        }
        _ => {}
    }
}

/// The text at `span` when it is a plain boolean of YAML 1.1 that YAML 1.2
/// reads as a string (`yes`, `On`, `n`; not `true` or `False`).
fn yaml_1_1_only_boolean(text: &str, span: TextRange) -> Option<&str> {
    let written = text.get(span.byte_range())?;
    let both = matches!(
        written,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
    );
    (!both && resolve_bool(written).is_some()).then_some(written)
}

fn resolve_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            Some(false)
        }
        _ => None,
    }
}

fn resolve_number(text: &str) -> Option<Value> {
    if let Some(number) = resolve_int(text) {
        return Some(Value::Int(number));
    }
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Value::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    if is_yaml_float(&cleaned) {
        return cleaned.parse::<f64>().ok().map(Value::Float);
    }
    None
}

/// Integers as YAML 1.1 writes them: decimal, `0x` hex, `0o` or leading-zero
/// octal, `0b` binary, with optional sign and `_` separators.
fn resolve_int(text: &str) -> Option<i64> {
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    let (negative, digits) = match cleaned.as_bytes().first() {
        Some(b'-') => (true, cleaned.get(1..)?),
        Some(b'+') => (false, cleaned.get(1..)?),
        _ => (false, cleaned.as_str()),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, body) = if let Some(hex) = digits.strip_prefix("0x") {
        (16, hex)
    } else if let Some(octal) = digits.strip_prefix("0o") {
        (8, octal)
    } else if let Some(binary) = digits.strip_prefix("0b") {
        (2, binary)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, digits.get(1..)?)
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    let signed = if negative { -magnitude } else { magnitude };
    i64::try_from(signed).ok()
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_yaml_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        at += 1;
    }
    let digits_before = count_digits(bytes, at);
    at += digits_before;
    let mut digits_after = 0;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        digits_after = count_digits(bytes, at);
        at += digits_after;
    }
    if digits_before == 0 && digits_after == 0 {
        return false;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'-' | b'+')) {
            at += 1;
        }
        let exponent = count_digits(bytes, at);
        if exponent == 0 {
            return false;
        }
        at += exponent;
    }
    at == bytes.len()
}

fn count_digits(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .map(|rest| rest.iter().take_while(|b| b.is_ascii_digit()).count())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kustomize_reads_only_true_and_false_as_booleans() {
        let text = "a: yes\nb: Off\nc: TRUE\nd: 0755\non: n\ne: [y, false]\n";
        let mut node = crate::yaml::first_tree(text);
        read_booleans_as_kustomize(&mut node, text);
        assert_eq!(
            node.to_json(),
            serde_json::json!({
                "a": "yes", "b": "Off", "c": true, "d": 493, "on": "n", "e": ["y", false]
            })
        );
    }

    #[test]
    fn plain_scalars_resolve_as_yaml_1_1() {
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("off"), Value::Bool(false));
        assert_eq!(resolve_plain("0755"), Value::Int(0o755));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("-3"), Value::Int(-3));
        assert_eq!(resolve_plain("2.5"), Value::Float(2.5));
        assert_eq!(resolve_plain("2e3"), Value::Float(2000.0));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("1.2.3"), Value::String("1.2.3".into()));
        assert_eq!(resolve_plain("500m"), Value::String("500m".into()));
        assert_eq!(resolve_plain("="), Value::String("=".into()));
        assert_eq!(resolve_plain("-"), Value::String("-".into()));
        assert_eq!(resolve_plain("."), Value::String(".".into()));
        assert_eq!(
            resolve_plain("99999999999999999999"),
            Value::Float(99999999999999999999.0)
        );
    }

    #[test]
    fn custom_tags_keep_the_text_as_a_string() {
        let tag = |handle: &str, suffix: &str| Tag {
            handle: handle.to_owned(),
            suffix: suffix.to_owned(),
        };
        let plain = ScalarStyle::Plain;
        for custom in [
            tag("!", "vault"),
            tag("", "!"),
            tag("", "tag:example.com,2000:x"),
        ] {
            assert_eq!(
                resolve("yes", plain, Some(&custom)),
                Value::String("yes".into())
            );
            assert_eq!(
                resolve("0755", plain, Some(&custom)),
                Value::String("0755".into())
            );
        }
        assert_eq!(
            resolve("12", plain, Some(&tag("!!", "int"))),
            Value::Int(12)
        );
        assert_eq!(
            resolve("12", plain, Some(&tag("", "tag:yaml.org,2002:int"))),
            Value::Int(12)
        );
        assert_eq!(
            resolve("yes", plain, Some(&tag("tag:yaml.org,2002:", "str"))),
            Value::String("yes".into())
        );
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        assert_eq!(
            resolve("yes", ScalarStyle::DoubleQuoted, None),
            Value::String("yes".into())
        );
    }
}
