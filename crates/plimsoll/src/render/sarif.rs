//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning and other SARIF
//! viewers ingest it.
//!
//! - `tool.driver.rules` lists every rule given (id, short and full
//!   description, help as text and Markdown, a link to the rules reference,
//!   default level, category as a tag);
//! - each finding is a result with its physical location (1-based region,
//!   columns in Unicode code points, as `run.columnKind` says), the resource
//!   as a logical location, and a `plimsoll/v1` partial fingerprint (the
//!   baseline [`fingerprint`], free of line numbers) so that code scanning
//!   tracks a finding across commits;
//! - suppressed and baselined findings are results too, with a
//!   `suppressions` entry (`inSource` for annotations and comments,
//!   `external` for the baseline), so viewers can show them as dismissed.
//!
//! Severities map to levels: error → `error`, warning → `warning`,
//! info → `note`.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use crate::baseline::fingerprint;
use crate::engine::Report;
use crate::finding::{Finding, Severity, SuppressedBy};
use crate::rules::{explain_markdown, Rule};

/// The `$schema` written into the log.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The link to a rule's section of the rules reference.
pub fn rule_help_uri(id: &str) -> String {
    format!(
        "{}/blob/main/docs/rules.md#{id}",
        env!("CARGO_PKG_REPOSITORY")
    )
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule_descriptor(rule: &Rule) -> Value {
    let meta = &rule.meta;
    json!({
        "id": meta.id,
        "name": pascal_case(&meta.id),
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": meta.rationale.trim()},
        "help": {
            "text": format!("{}\n\nHow to fix: {}", meta.rationale.trim(), meta.fix.trim()),
            "markdown": explain_markdown(rule),
        },
        "helpUri": rule_help_uri(&meta.id),
        "defaultConfiguration": {"level": level(meta.default_severity)},
        "properties": {"tags": [meta.category.as_str()]},
    })
}

/// `image-digest` → `ImageDigest` (SARIF's `name` is meant to be an
/// identifier-like, human-readable name).
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn result(finding: &Finding, rule_index: Option<usize>, suppressed: Option<SuppressedBy>) -> Value {
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(finding.rule));
    if let Some(index) = rule_index {
        result.insert("ruleIndex".into(), json!(index));
    }
    result.insert("level".into(), json!(level(finding.severity)));
    let text = match &finding.help {
        Some(help) => format!("{}\nhelp: {help}", finding.message),
        None => finding.message.clone(),
    };
    result.insert("message".into(), json!({ "text": text }));
    let span = finding.span;
    // SARIF regions are 1-based and need end ≥ start.
    let start_line = span.start.line.max(1);
    let start_column = span.start.column.max(1);
    let (end_line, end_column) = if (span.end.line, span.end.column) > (start_line, start_column) {
        (span.end.line, span.end.column)
    } else {
        (start_line, start_column)
    };
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(&finding.file), "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            },
        },
    });
    if let (Some(resource), Some(location)) = (&finding.resource, location.as_object_mut()) {
        let mut logical = json!({
            "name": resource.name,
            "fullyQualifiedName": resource.to_string(),
            "kind": "resource",
        });
        if let (Some(path), Some(logical)) = (&finding.path, logical.as_object_mut()) {
            logical.insert("decoratedName".into(), json!(path));
        }
        location.insert("logicalLocations".into(), json!([logical]));
    }
    result.insert("locations".into(), json!([location]));
    result.insert(
        "partialFingerprints".into(),
        json!({ "plimsoll/v1": fingerprint(finding) }),
    );
    let mut properties = Map::new();
    if let Some(environment) = &finding.environment {
        properties.insert("environment".into(), json!(environment));
    }
    if let Some(source) = &finding.source {
        properties.insert("source".into(), json!(source));
    }
    if let Some(path) = &finding.path {
        properties.insert("path".into(), json!(path));
    }
    if !properties.is_empty() {
        result.insert("properties".into(), Value::Object(properties));
    }
    if let Some(by) = suppressed {
        let (kind, justification) = match by {
            SuppressedBy::Annotation => ("inSource", "plimsoll.dev/ignore annotation"),
            SuppressedBy::Comment => ("inSource", "# plimsoll: ignore comment"),
            SuppressedBy::Baseline => ("external", "recorded in the baseline"),
        };
        result.insert(
            "suppressions".into(),
            json!([{"kind": kind, "status": "accepted", "justification": justification}]),
        );
    }
    Value::Object(result)
}

/// A file name as a relative URI reference: `/` separators, and characters
/// that URIs do not allow percent-encoded. Stdin (`-`) stays `-`.
fn artifact_uri(file: &str) -> String {
    let file = file.replace('\\', "/");
    let file = file.strip_prefix("./").unwrap_or(&file);
    let mut uri = String::with_capacity(file.len());
    for byte in file.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte);
        if keep {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// Writes the report as a SARIF 2.1.0 log with one run; `rules` are the
/// rules the engine knows (`engine.rules()`), listed as the driver's rules.
pub fn render(report: &Report, rules: &[Rule], out: &mut dyn Write) -> io::Result<()> {
    let indexes: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(at, rule)| (rule.id(), at))
        .collect();
    let index_of = |finding: &Finding| indexes.get(finding.rule.as_ref()).copied();
    let mut results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| result(finding, index_of(finding), None))
        .collect();
    results.extend(
        report
            .suppressed
            .iter()
            .map(|item| result(&item.finding, index_of(&item.finding), Some(item.by))),
    );
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "plimsoll",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules.iter().map(rule_descriptor).collect::<Vec<_>>(),
                },
            },
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the directory plimsoll ran in"}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal_case("image-digest"), "ImageDigest");
        assert_eq!(artifact_uri("./envs/prod/a b.yaml"), "envs/prod/a%20b.yaml");
        assert_eq!(artifact_uri("dir\\x#1.yaml"), "dir/x%231.yaml");
        assert_eq!(artifact_uri("-"), "-");
    }
}
