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
//! - findings suppressed in the source are results too, with an `inSource`
//!   `suppressions` entry, so viewers can show them as dismissed; baselined
//!   findings (`external`) only when asked ([`SarifOptions::include_baselined`],
//!   `--show-suppressed`), since a baseline adopted on a large repository
//!   holds thousands;
//! - GitHub code scanning takes at most 25,000 results per run
//!   ([`GITHUB_MAX_RESULTS`]): results go errors first, then warnings, then
//!   notes, then suppressed ones, and when there are more than fit, the last
//!   result is a note saying how many were left out (rule
//!   [`LEFT_OUT_RULE`], at the first left-out finding's place).
//!
//! Severities map to levels: error → `error`, warning → `warning`,
//! info → `note`.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use crate::baseline::fingerprint;
use crate::finding::{Finding, Severity, SuppressedBy, SuppressedFinding};
use crate::report::Report;
use crate::rules::{explain_markdown, Rule};
use crate::source::Span;

/// The `$schema` written into the log.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub code scanning's limit of results per run.
pub const GITHUB_MAX_RESULTS: usize = 25_000;

/// The id of the note result that says how many results were left out.
pub const LEFT_OUT_RULE: &str = "results-left-out";

/// What a SARIF log holds besides the reported findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SarifOptions {
    /// At most this many results, the note about the rest included
    /// (at least 1).
    pub max_results: usize,
    /// Baselined findings as suppressed results.
    pub include_baselined: bool,
}

impl Default for SarifOptions {
    fn default() -> Self {
        SarifOptions {
            max_results: GITHUB_MAX_RESULTS,
            include_baselined: false,
        }
    }
}

impl SarifOptions {
    /// Sets [`include_baselined`](Self::include_baselined).
    pub fn including_baselined(self, include_baselined: bool) -> Self {
        SarifOptions {
            include_baselined,
            ..self
        }
    }

    /// Sets [`max_results`](Self::max_results).
    pub fn at_most(self, max_results: usize) -> Self {
        SarifOptions {
            max_results: max_results.max(1),
            ..self
        }
    }
}

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

fn result(
    finding: &Finding,
    rule_index: Option<usize>,
    suppressed: Option<&SuppressedFinding>,
) -> Value {
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
    let mut location =
        json!({ "physicalLocation": physical_location(&finding.file, finding.span) });
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
    if !finding.related.is_empty() {
        let related: Vec<Value> = finding
            .related
            .iter()
            .enumerate()
            .map(|(id, related)| {
                json!({
                    "id": id,
                    "physicalLocation": physical_location(&related.file, related.span),
                    "message": {"text": related.message},
                })
            })
            .collect();
        result.insert("relatedLocations".into(), Value::Array(related));
    }
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
    if let Some(suppressed) = suppressed {
        let (kind, how) = match suppressed.by {
            SuppressedBy::Annotation => ("inSource", "plimsoll.dev/ignore annotation"),
            SuppressedBy::Comment => ("inSource", "# plimsoll: ignore comment"),
            SuppressedBy::Baseline => ("external", "recorded in the baseline"),
        };
        // The reason the author wrote, else how it was suppressed.
        let justification = suppressed.reason.as_deref().unwrap_or(how);
        result.insert(
            "suppressions".into(),
            json!([{"kind": kind, "status": "accepted", "justification": justification}]),
        );
    }
    Value::Object(result)
}

/// A SARIF physical location: the file and its 1-based region (end ≥
/// start, as SARIF requires).
fn physical_location(file: &str, span: Span) -> Value {
    let start_line = span.start.line.max(1);
    let start_column = span.start.column.max(1);
    let (end_line, end_column) = if (span.end.line, span.end.column) > (start_line, start_column) {
        (span.end.line, span.end.column)
    } else {
        (start_line, start_column)
    };
    json!({
        "artifactLocation": {"uri": artifact_uri(file), "uriBaseId": "%SRCROOT%"},
        "region": {
            "startLine": start_line,
            "startColumn": start_column,
            "endLine": end_line,
            "endColumn": end_column,
        },
    })
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

/// The findings a log holds, in the order it holds them: reported findings
/// by severity (errors first), then the suppressed ones it shows.
fn ordered(report: &Report, options: SarifOptions) -> Vec<(&Finding, Option<&SuppressedFinding>)> {
    let mut reported: Vec<&Finding> = report.findings.iter().collect();
    // Stable: the report's file and line order stays within a severity.
    reported.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    let shown_suppressed = report
        .suppressed
        .iter()
        .filter(|item| options.include_baselined || item.by != SuppressedBy::Baseline);
    reported
        .into_iter()
        .map(|finding| (finding, None))
        .chain(shown_suppressed.map(|item| (&item.finding, Some(item))))
        .collect()
}

/// The note result standing for the `left_out` findings from `first` on.
fn left_out_note(first: &Finding, rule_index: usize, left_out: usize, max_results: usize) -> Value {
    let mut note = result(first, Some(rule_index), None);
    if let Some(note) = note.as_object_mut() {
        note.insert("ruleId".into(), json!(LEFT_OUT_RULE));
        note.insert("level".into(), json!("note"));
        note.insert(
            "message".into(),
            json!({"text": format!(
                "{left_out} more results were left out of this log, which holds at most \
            {max_results} (GitHub code scanning's limit per run); the errors come first. \
            Run plimsoll check with --format json, or fix and baseline findings, to see them all."
            )}),
        );
        note.insert(
            "partialFingerprints".into(),
            json!({ "plimsoll/v1": LEFT_OUT_RULE }),
        );
        note.remove("properties");
    }
    note
}

fn left_out_descriptor() -> Value {
    json!({
        "id": LEFT_OUT_RULE,
        "name": pascal_case(LEFT_OUT_RULE),
        "shortDescription": {"text": "More findings than a SARIF log may hold"},
        "fullDescription": {"text": "GitHub code scanning accepts at most 25,000 results per run, so the log keeps the most severe findings and says how many it left out."},
        "defaultConfiguration": {"level": "note"},
    })
}

/// Writes the report as a SARIF 2.1.0 log with one run; `rules` are the
/// rules the engine knows (`engine.rules()`), listed as the driver's rules.
pub fn render(
    report: &Report,
    rules: &[Rule],
    options: SarifOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let indexes: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(at, rule)| (rule.id(), at))
        .collect();
    let index_of = |finding: &Finding| indexes.get(finding.rule.as_ref()).copied();
    let ordered = ordered(report, options);
    let max_results = options.max_results.max(1);
    let kept = if ordered.len() > max_results {
        max_results - 1
    } else {
        ordered.len()
    };
    let mut results: Vec<Value> = ordered
        .iter()
        .take(kept)
        .map(|(finding, by)| result(finding, index_of(finding), *by))
        .collect();
    let mut descriptors: Vec<Value> = rules.iter().map(rule_descriptor).collect();
    if let Some((first, _)) = ordered.get(kept) {
        results.push(left_out_note(
            first,
            descriptors.len(),
            ordered.len() - kept,
            max_results,
        ));
        descriptors.push(left_out_descriptor());
    }
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
                    "rules": descriptors,
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
