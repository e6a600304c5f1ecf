//! `prometheus-rule`: a PrometheusRule that Prometheus would reject, or an
//! alert nobody can route.
//!
//! Expressions are parsed by `promql-parser` (the Prometheus 3 grammar).
//! That crate reports errors as text without an offset, so the finding
//! points at the expression and repeats the parser's message (which names
//! the offending character for lexical errors). `for` (and
//! `keep_firing_for`) must be Prometheus durations as `model.ParseDuration`
//! reads them: `0`, or units y, w, d, h, m, s, ms in that order (`5m`,
//! `1h30m`, `1d`, `0s`); promql-parser's own duration parser is for range
//! selectors and rejects zero, so it is not used here.
//! A rule must have exactly one of `alert` and `record`; group names must be
//! unique within the object. An alert without a `severity` label is a
//! warning: Alertmanager routes on it.

use std::collections::HashMap;

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::yaml::{Node, Value};

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "prometheus-rule".into(),
            category: Category::Monitoring,
            default_severity: Severity::Error,
            summary: "a PrometheusRule has invalid PromQL, a `for` that is not a duration, a rule with both or neither of alert/record, or duplicate group names; an alert lacks a severity label (warning)".into(),
            rationale: "The Prometheus Operator hands rules to Prometheus, which refuses the whole rule file \
when one expression does not parse: every alert of the group silently stops. Alertmanager routes on the \
`severity` label; an alert without it pages nobody or everybody."
                .into(),
            fix: "Fix the expression (try it in the Prometheus UI or `promtool check rules`), write `for` as a \
duration such as `5m`, give each rule either `alert` or `record`, rename duplicate groups, and add \
`labels: {severity: warning|critical}` to alerts."
                .into(),
            bad: "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: api\nspec:\n  groups:\n    - name: api\n      rules:\n        - alert: ApiDown\n          expr: up{job=\"api\"} == \n          for: 5 minutes\n".into(),
            good: "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: api\nspec:\n  groups:\n    - name: api\n      rules:\n        - alert: ApiDown\n          expr: up{job=\"api\"} == 0\n          for: 5m\n          labels:\n            severity: critical\n".into(),
        },
        check,
    )
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    if !object
        .identity
        .is("monitoring.coreos.com", "PrometheusRule")
    {
        return;
    }
    let Some(groups) = object.node.pointer("/spec/groups").and_then(Node::as_seq) else {
        return;
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (group_at, group) in groups.iter().enumerate() {
        let group_pointer = format!("/spec/groups/{group_at}");
        if let Some(name) = group.get("name").and_then(Node::as_str) {
            if let Some(first) = seen.insert(name, group_at) {
                seen.insert(name, first);
                sink.push(
                    Violation::at_value(
                        object,
                        format!("{group_pointer}/name"),
                        format!("group name `{name}` is used twice (first by group {first})"),
                    )
                    .with_help("give every group of a PrometheusRule its own name"),
                );
            }
        }
        let Some(rules) = group.get("rules").and_then(Node::as_seq) else {
            continue;
        };
        for (rule_at, rule) in rules.iter().enumerate() {
            check_rule(
                context,
                sink,
                rule,
                &format!("{group_pointer}/rules/{rule_at}"),
            );
        }
    }
}

fn check_rule(context: &DocumentContext<'_>, sink: &mut Sink, rule: &Node, pointer: &str) {
    let object = context.object;
    let alert = rule.get("alert").and_then(Node::as_str);
    let record = rule.get("record").and_then(Node::as_str);
    match (alert, record) {
        (Some(alert), Some(record)) => sink.push(
            Violation::at_key(
                object,
                format!("{pointer}/record"),
                format!("rule has both alert `{alert}` and record `{record}`"),
            )
            .with_help("split it into an alerting rule and a recording rule"),
        ),
        (None, None) => sink.push(
            Violation::at_value(object, pointer, "rule has neither `alert` nor `record`")
                .with_help("name the rule: `alert: <Name>` or `record: <level:metric:operation>`"),
        ),
        _ => {}
    }
    let name = alert.or(record).unwrap_or("rule");
    match rule.get("expr").map(|node| &node.value) {
        None => sink.push(Violation::at_value(
            object,
            format!("{pointer}/expr"),
            format!("`{name}` has no expr"),
        )),
        Some(Value::String(expression)) => {
            if let Err(error) = promql_parser::parser::parse(expression) {
                sink.push(
                    Violation::at_value(
                        object,
                        format!("{pointer}/expr"),
                        format!("expr of `{name}` is not valid PromQL: {error}"),
                    )
                    .with_help("check it with `promtool check rules` or in the Prometheus UI"),
                );
            }
        }
        Some(Value::Int(_) | Value::Float(_)) => {}
        Some(other) => sink.push(Violation::at_value(
            object,
            format!("{pointer}/expr"),
            format!(
                "expr of `{name}` must be a string, not {}",
                other.type_name()
            ),
        )),
    }
    for field in ["for", "keep_firing_for"] {
        let Some(node) = rule.get(field) else {
            continue;
        };
        let valid = node.as_str().is_some_and(is_prometheus_duration);
        if !valid {
            let shown = match &node.value {
                Value::String(text) => format!("\"{text}\""),
                other => other.type_name().to_owned(),
            };
            sink.push(
                Violation::at_value(
                    object,
                    format!("{pointer}/{field}"),
                    format!("`{field}` of `{name}` is {shown}, not a duration"),
                )
                .with_help("write a Prometheus duration such as `5m`, `1h30m` or `1d`"),
            );
        }
    }
    if alert.is_some() && rule.get_path(&["labels", "severity"]).is_none() {
        let target = if rule.get("labels").is_some() {
            format!("{pointer}/labels")
        } else {
            format!("{pointer}/alert")
        };
        sink.push(
            Violation::at_value(
                object,
                target,
                format!("alert `{name}` has no severity label: Alertmanager cannot route it"),
            )
            .with_severity(Severity::Warning)
            .with_help("add `labels: {severity: warning}` (or critical)"),
        );
    }
}

/// Whether `text` is a Prometheus duration (`model.ParseDuration`): `0`, or
/// integers with units y, w, d, h, m, s, ms, each at most once, in that
/// order.
fn is_prometheus_duration(text: &str) -> bool {
    const UNITS: [&str; 7] = ["y", "w", "d", "h", "m", "s", "ms"];
    if text == "0" {
        return true;
    }
    let mut rest = text;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = rest.get(digits..).unwrap_or("");
        // `ms` before `m`: the longest unit that fits.
        let Some((at, unit)) = UNITS
            .iter()
            .enumerate()
            .filter(|(_, unit)| rest.starts_with(**unit))
            .max_by_key(|(_, unit)| unit.len())
        else {
            return false;
        };
        if at < next_unit {
            return false;
        }
        next_unit = at + 1;
        rest = rest.get(unit.len()..).unwrap_or("");
    }
    !text.is_empty()
}

#[cfg(test)]
mod tests {
    use super::is_prometheus_duration;

    #[test]
    fn durations_as_prometheus_reads_them() {
        for good in [
            "0",
            "0s",
            "5m",
            "1h30m",
            "1d",
            "2w",
            "1y2w3d4h5m6s7ms",
            "500ms",
        ] {
            assert!(is_prometheus_duration(good), "{good}");
        }
        for bad in ["", "5", "1.5m", "30m1h", "5 minutes", "1m1m", "-1m", "m"] {
            assert!(!is_prometheus_duration(bad), "{bad}");
        }
    }
}
