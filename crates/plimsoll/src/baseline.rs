//! Baselines (SPEC section 9): adopt plimsoll on a repository that already
//! has findings, and report only the new ones.
//!
//! `--write-baseline FILE` records the current findings by [`fingerprint`]:
//! the rule, the file, the resource identity and the message, never line or
//! column numbers, so moving a document or inserting lines above a finding
//! keeps it baselined. `--baseline FILE` moves matching findings from
//! [`Report::findings`] to [`Report::suppressed`] (counted in
//! `summary.suppressed`). Each entry matches as many findings as its `count`.
//!
//! Entries that no longer match anything are reported as `baseline-stale`
//! info findings located at the entry in the baseline file, so that the
//! baseline shrinks as findings get fixed. An entry is only stale when the
//! run could have produced it: its file was checked and its rule ran (a run
//! on a subset of the repository, or with `--select`, reports nothing
//! stale outside what it checked).
//!
//! The file is JSON, sorted by file, rule, resource and message so that it
//! diffs well in review:
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     {"fingerprint": "5f0c0c6e2b1d2a87", "rule": "image-digest", "file": "envs/prod/api.yaml",
//!      "resource": "apps/Deployment/shop-prod/api-prod",
//!      "message": "image ghcr.io/acme/api:1.4.0 is not pinned by digest", "count": 1}
//!   ]
//! }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::finding::{Finding, ResourceRef, SuppressedBy, SuppressedFinding};
use crate::report::Report;
use crate::rules::baseline_stale;
use crate::source::{LineIndex, Position, SourceLines, Span};
use crate::yaml::{parse_stream, Limits};

/// The version of the baseline file's shape.
pub const BASELINE_VERSION: u32 = 1;

/// The identity of a resource in a fingerprint: `group/Kind/namespace/name`
/// (the API version is left out, so that moving to a newer version of the
/// same API keeps the finding baselined).
pub fn resource_key(resource: &ResourceRef) -> String {
    let group = resource
        .api_version
        .rsplit_once('/')
        .map_or("", |(group, _)| group);
    format!(
        "{group}/{}/{}/{}",
        resource.kind,
        resource.namespace.as_deref().unwrap_or(""),
        resource.name
    )
}

/// A finding's fingerprint: 16 hex digits of the 64-bit FNV-1a hash of its
/// rule, file, resource identity and message. No line or column goes into
/// it, so it is stable under edits that move lines; it is also the SARIF
/// partial fingerprint that lets code scanning track a finding.
pub fn fingerprint(finding: &Finding) -> String {
    let resource = finding.resource.as_ref().map(resource_key);
    fingerprint_of(
        &finding.rule,
        &finding.file,
        resource.as_deref(),
        &finding.message,
    )
}

fn fingerprint_of(rule: &str, file: &str, resource: Option<&str>, message: &str) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in [rule, file, resource.unwrap_or(""), message] {
        // A separator byte that cannot occur in UTF-8 keeps ("ab", "c") and
        // ("a", "bc") apart.
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

/// One recorded finding (or several identical ones).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The [`fingerprint`]: what findings are matched on.
    pub fingerprint: String,
    /// The rule id (for people reading the file).
    pub rule: String,
    /// The file, as it was given on the command line.
    pub file: String,
    /// The resource identity, `group/Kind/namespace/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The message.
    pub message: String,
    /// How many findings this entry matches.
    #[serde(default = "one")]
    pub count: usize,
}

fn one() -> usize {
    1
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<BaselineEntry>,
}

/// Where a baseline was read from, to locate stale entries.
#[derive(Debug, Clone)]
struct Origin {
    file: String,
    text: Arc<str>,
    /// The span of each entry, in entry order.
    spans: Vec<Span>,
}

/// A set of recorded findings.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The entries, sorted by file, rule, resource and message.
    pub entries: Vec<BaselineEntry>,
    origin: Option<Origin>,
}

/// A baseline file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: invalid baseline: {message}")]
pub struct BaselineError {
    /// The file.
    pub file: String,
    /// 1-based line of the fault.
    pub line: usize,
    /// 1-based column of the fault.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl Baseline {
    /// A baseline recording every finding of `report`.
    pub fn from_report(report: &Report) -> Baseline {
        let mut grouped: BTreeMap<String, BaselineEntry> = BTreeMap::new();
        for finding in &report.findings {
            let key = fingerprint(finding);
            grouped
                .entry(key.clone())
                .and_modify(|entry| entry.count += 1)
                .or_insert_with(|| BaselineEntry {
                    fingerprint: key,
                    rule: finding.rule.to_string(),
                    file: finding.file.clone(),
                    resource: finding.resource.as_ref().map(resource_key),
                    message: finding.message.clone(),
                    count: 1,
                });
        }
        let mut entries: Vec<BaselineEntry> = grouped.into_values().collect();
        entries.sort_by(|a, b| {
            (&a.file, &a.rule, &a.resource, &a.message, &a.fingerprint).cmp(&(
                &b.file,
                &b.rule,
                &b.resource,
                &b.message,
                &b.fingerprint,
            ))
        });
        Baseline {
            entries,
            origin: None,
        }
    }

    /// The baseline file's text: pretty JSON, one entry after the other,
    /// ending in a newline.
    pub fn to_json(&self) -> String {
        let file = BaselineFile {
            version: BASELINE_VERSION,
            findings: self.entries.clone(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a baseline file's text; `file` names it in errors and in
    /// `baseline-stale` findings.
    pub fn parse(text: &str, file: &str) -> Result<Baseline, BaselineError> {
        let parsed: BaselineFile = serde_json::from_str(text).map_err(|error| BaselineError {
            file: file.to_owned(),
            line: error.line().max(1),
            column: error.column().max(1),
            message: error.to_string(),
        })?;
        if parsed.version != BASELINE_VERSION {
            return Err(BaselineError {
                file: file.to_owned(),
                line: 1,
                column: 1,
                message: format!(
                    "version {} is not supported (this plimsoll writes version {BASELINE_VERSION})",
                    parsed.version
                ),
            });
        }
        // JSON is YAML: the spanned loader gives the line of each entry.
        let documents = parse_stream(text, &Limits::default());
        let root = documents
            .first()
            .and_then(|document| document.root.as_ref());
        let lines = SourceLines::new(text);
        let spans = (0..parsed.findings.len())
            .map(|at| {
                root.map_or(Span::point(Position::START), |root| {
                    lines.span(root.locate(&format!("/findings/{at}")).span)
                })
            })
            .collect();
        Ok(Baseline {
            entries: parsed.findings,
            origin: Some(Origin {
                file: file.to_owned(),
                text: Arc::from(text),
                spans,
            }),
        })
    }

    /// Removes from `report` the findings the baseline records (as many of
    /// each as it counts), adds how many to `summary.preexisting`, and
    /// recounts: for `check --new-since`, where the baseline is the report
    /// on the tree at the base revision and only new findings are reported.
    pub fn remove_known(&self, report: &mut Report) {
        let mut remaining: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in &self.entries {
            *remaining.entry(entry.fingerprint.as_str()).or_default() += entry.count;
        }
        let before = report.findings.len();
        report.findings.retain(
            |finding| match remaining.get_mut(fingerprint(finding).as_str()) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    false
                }
                _ => true,
            },
        );
        report.summary.preexisting += before - report.findings.len();
        report.recount();
    }

    /// Moves the findings of `report` that the baseline records to
    /// `report.suppressed`, adds a `baseline-stale` finding for each entry
    /// that matched nothing although the run could have produced it, and
    /// recounts the summary. `engine` is the engine that made the report:
    /// it says which rules ran and the severity of `baseline-stale`.
    pub fn apply(&self, report: &mut Report, engine: &Engine) {
        let mut remaining: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in &self.entries {
            *remaining.entry(entry.fingerprint.as_str()).or_default() += entry.count;
        }
        let findings = std::mem::take(&mut report.findings);
        for finding in findings {
            let key = fingerprint(&finding);
            match remaining.get_mut(key.as_str()) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    report.suppressed.push(SuppressedFinding {
                        finding,
                        by: SuppressedBy::Baseline,
                        reason: None,
                    });
                }
                _ => report.findings.push(finding),
            }
        }
        report
            .suppressed
            .sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));

        let stale_severity = engine.severity(baseline_stale::ID);
        if let (Some(severity), Some(origin)) = (stale_severity, &self.origin) {
            let checked: std::collections::HashSet<&str> =
                report.files.iter().map(|file| file.path.as_str()).collect();
            let mut stale = Vec::new();
            for (at, entry) in self.entries.iter().enumerate() {
                let Some(count) = remaining.get_mut(entry.fingerprint.as_str()) else {
                    continue;
                };
                let left = (*count).min(entry.count);
                *count -= left;
                if left == 0
                    || !checked.contains(entry.file.as_str())
                    || !engine.is_enabled(&entry.rule)
                {
                    continue;
                }
                let times = if left == 1 {
                    String::new()
                } else {
                    format!(" ({left} times)")
                };
                let resource = entry
                    .resource
                    .as_deref()
                    .map(|resource| format!(" ({resource})"))
                    .unwrap_or_default();
                stale.push(Finding {
                    fix: None,
                    related: Vec::new(),
                    rule: baseline_stale::ID.into(),
                    severity,
                    message: format!(
                        "baseline entry matches no finding any more{times}: {} in {}{resource}: {}",
                        entry.rule, entry.file, entry.message
                    ),
                    help: Some(
                        "the finding was fixed: remove the entry, or rewrite the baseline with \
`--write-baseline`"
                            .to_owned(),
                    ),
                    file: origin.file.clone(),
                    span: origin
                        .spans
                        .get(at)
                        .copied()
                        .unwrap_or(Span::point(Position::START)),
                    document: 0,
                    source: None,
                    resource: None,
                    environment: None,
                    path: Some(format!("/findings/{at}")),
                });
            }
            if !stale.is_empty() {
                let index = LineIndex::new(&origin.text);
                for finding in &stale {
                    let line = finding.span.start.line;
                    if let Some(text) = index
                        .line_range(&origin.text, line)
                        .and_then(|range| origin.text.get(range))
                    {
                        report.add_source_line(&origin.file, line, text);
                    }
                }
                report.findings.extend(stale);
            }
        }
        report
            .findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        report.recount();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_separate_fields_and_ignore_nothing_else() {
        assert_ne!(
            fingerprint_of("ab", "c", None, "m"),
            fingerprint_of("a", "bc", None, "m")
        );
        assert_eq!(fingerprint_of("r", "f", None, "m").len(), 16);
        // A known value, so that a change of the hash (which would make
        // every committed baseline stale) is noticed.
        assert_eq!(
            fingerprint_of(
                "image-digest",
                "api.yaml",
                Some("/Pod/shop/api"),
                "image busybox:1.37.0 is not pinned by digest"
            ),
            "4d492d2529c672ee"
        );
    }

    #[test]
    fn resource_keys_leave_out_the_version() {
        let resource = ResourceRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("shop".into()),
            name: "api".into(),
        };
        assert_eq!(resource_key(&resource), "apps/Deployment/shop/api");
        let core = ResourceRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: None,
            name: "p".into(),
        };
        assert_eq!(resource_key(&core), "/Pod//p");
    }

    #[test]
    fn bad_baselines_name_file_and_line() {
        let error = Baseline::parse("{\"version\": 1,\n \"findings\": 3}", "b.json").unwrap_err();
        assert_eq!((error.file.as_str(), error.line), ("b.json", 2));
        let error = Baseline::parse("{\"version\": 9, \"findings\": []}", "b.json").unwrap_err();
        assert!(error.message.contains("version 9"), "{error}");
    }
}
