//! Findings: what a check reports, as typed data.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::source::Span;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be fixed.
    Warning,
    /// Must be fixed.
    Error,
}

impl Severity {
    /// Parses `error`, `warning` or `info`.
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The Kubernetes object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ResourceRef {
    /// `apps/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `Deployment`.
    pub kind: String,
    /// The namespace, when the object names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The name (or `generateName`).
    pub name: String,
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(formatter, "{} {}/{}", self.kind, namespace, self.name),
            None => write!(formatter, "{} {}", self.kind, self.name),
        }
    }
}

/// One problem, located in a file. Fields will grow: build one with
/// [`Finding::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The rule id (`image-digest`).
    pub rule: Cow<'static, str>,
    /// Severity after configuration.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The file, as given (`-` or `--stdin-filename` for stdin).
    pub file: String,
    /// The text the finding is about.
    pub span: Span,
    /// 0-based index of the document in the file.
    pub document: usize,
    /// The Helm template the document was rendered from (`# Source:`).
    pub source: Option<String>,
    /// The object the finding is about.
    pub resource: Option<ResourceRef>,
    /// The canonical environment of the object.
    pub environment: Option<String>,
    /// JSON pointer to the value inside the document.
    pub path: Option<String>,
    /// The safe fix the rule offers (`check --fix`), if any.
    pub fix: Option<crate::fix::Fix>,
    /// Other places that matter, shown as secondary labels: the first copy
    /// of a duplicate, the objects a quota sum counted, the `.plimsoll.yaml`
    /// line whose setting the finding enforces.
    pub related: Vec<Related>,
}

/// A place related to a finding (SPEC section 5 `related`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Related {
    /// The file, as given (the config file's path for config places).
    pub file: String,
    /// Where in it.
    pub span: Span,
    /// What it is ("the first copy", "replicas.min configured here").
    pub message: String,
}

impl Finding {
    /// A finding of `rule` at `span` of `file`, with nothing else known
    /// (no help, resource, environment, path, fix or related places).
    pub fn new(
        rule: impl Into<Cow<'static, str>>,
        severity: Severity,
        message: impl Into<String>,
        file: impl Into<String>,
        span: Span,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            message: message.into(),
            help: None,
            file: file.into(),
            span,
            document: 0,
            source: None,
            resource: None,
            environment: None,
            path: None,
            fix: None,
            related: Vec::new(),
        }
    }

    /// The order of the report: file, line, column, rule, then the rest so
    /// that the order is total and output is byte-identical across runs
    /// (only findings equal in every field compare equal).
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            (
                &self.file,
                self.span.start.line,
                self.span.start.column,
                &self.rule,
                &self.message,
                self.document,
                &self.path,
                &self.resource,
            ),
            (
                self.span,
                self.severity,
                &self.help,
                &self.source,
                &self.environment,
            ),
        )
    }
}

/// A finding serializes as one entry of the JSON report's `findings` (SPEC
/// section 5): `serde_json::to_value(&finding)` is its JSON form on its own.
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireFinding::from(self).serialize(serializer)
    }
}

/// A finding as one line, `file:line:column: severity[rule] message` (the
/// `concise` format's line).
impl fmt::Display for Finding {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{}:{}:{}: {}[{}] {}",
            self.file,
            self.span.start.line,
            self.span.start.column,
            self.severity,
            self.rule,
            one_line(&self.message)
        )
    }
}

/// A message on one line: line breaks would start what reads as another
/// finding.
fn one_line(message: &str) -> Cow<'_, str> {
    if message.contains(['\n', '\r']) {
        message
            .replace("\r\n", " ")
            .replace(['\n', '\r'], " ")
            .into()
    } else {
        message.into()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireFinding<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    document: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'a ResourceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<WireRelated<'a>>,
}

/// A related place: `{file, line, column, endLine, endColumn, message}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
}

impl<'a> From<&'a Finding> for WireFinding<'a> {
    fn from(finding: &'a Finding) -> Self {
        WireFinding {
            rule: &finding.rule,
            severity: finding.severity,
            message: &finding.message,
            help: finding.help.as_deref(),
            file: &finding.file,
            line: finding.span.start.line,
            column: finding.span.start.column,
            end_line: finding.span.end.line,
            end_column: finding.span.end.column,
            document: finding.document,
            source: finding.source.as_deref(),
            resource: finding.resource.as_ref(),
            environment: finding.environment.as_deref(),
            path: finding.path.as_deref(),
            related: finding
                .related
                .iter()
                .map(|related| WireRelated {
                    file: &related.file,
                    line: related.span.start.line,
                    column: related.span.start.column,
                    end_line: related.span.end.line,
                    end_column: related.span.end.column,
                    message: &related.message,
                })
                .collect(),
        }
    }
}

/// Counts over a whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Files read.
    pub files: usize,
    /// Non-empty documents read.
    pub documents: usize,
    /// Findings at error level.
    pub errors: usize,
    /// Findings at warning level.
    pub warnings: usize,
    /// Findings at info level.
    pub infos: usize,
    /// Findings hidden by suppressions or a baseline.
    pub suppressed: usize,
    /// Findings left out because the tree at the `--new-since` revision
    /// had them too (not new).
    #[serde(skip_serializing_if = "is_zero")]
    pub preexisting: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

impl Summary {
    /// Adds a reported finding to the counts.
    pub fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }

    /// The number of findings at or above `threshold`.
    pub fn at_or_above(&self, threshold: Severity) -> usize {
        match threshold {
            Severity::Error => self.errors,
            Severity::Warning => self.errors + self.warnings,
            Severity::Info => self.errors + self.warnings + self.infos,
        }
    }
}

/// What hid a suppressed finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SuppressedBy {
    /// The object's `plimsoll.dev/ignore` annotation.
    Annotation,
    /// A `# plimsoll: ignore[...]` or `ignore-file[...]` comment.
    Comment,
    /// An entry of the `--baseline` file.
    Baseline,
}

/// A finding that a suppression or the baseline hid; kept so that formats
/// which record suppressions (SARIF) can show them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SuppressedFinding {
    /// The finding, as it would have been reported.
    pub finding: Finding,
    /// What hid it.
    pub by: SuppressedBy,
    /// The reason written with the suppression (the text after an ignore
    /// comment's rule list, the `plimsoll.dev/ignore-reason` annotation).
    pub reason: Option<String>,
}

impl SuppressedFinding {
    /// `finding`, hidden by `by`, for `reason` when one was written.
    pub fn new(finding: Finding, by: SuppressedBy, reason: Option<String>) -> SuppressedFinding {
        SuppressedFinding {
            finding,
            by,
            reason,
        }
    }
}

/// A file that was checked, with the objects found in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedFile {
    /// The file, as given (as [`Finding::file`]).
    pub path: String,
    /// The Kubernetes objects it holds, in document order.
    pub resources: Vec<ResourceRef>,
}
