//! `--format json`: the stable, versioned report of SPEC section 5.

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Finding, ResourceRef, Severity, Summary, SuppressedBy, SuppressedFinding};
use crate::report::Report;

/// The version of the JSON report's shape.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    summary: &'a Summary,
    findings: Vec<JsonFinding<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Vec<JsonSuppressed<'a>>>,
}

/// A suppressed finding: the finding and what hid it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    suppressed_by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl<'a> From<&'a SuppressedFinding> for JsonSuppressed<'a> {
    fn from(item: &'a SuppressedFinding) -> Self {
        JsonSuppressed {
            finding: JsonFinding::from(&item.finding),
            suppressed_by: match item.by {
                SuppressedBy::Annotation => "annotation",
                SuppressedBy::Comment => "comment",
                SuppressedBy::Baseline => "baseline",
            },
            reason: item.reason.as_deref(),
        }
    }
}

/// What the JSON report holds besides the reported findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonOptions {
    /// A `suppressed` list: the findings that suppressions and the baseline
    /// hid, each with `suppressedBy` (`annotation`, `comment`, `baseline`)
    /// and the `reason` written with the suppression, if any.
    pub show_suppressed: bool,
}

impl JsonOptions {
    /// Sets [`show_suppressed`](Self::show_suppressed).
    pub fn showing_suppressed(self, show_suppressed: bool) -> Self {
        JsonOptions { show_suppressed }
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFinding<'a> {
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
    related: Vec<JsonRelated<'a>>,
}

/// A related place: `{file, line, column, endLine, endColumn, message}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(finding: &'a Finding) -> Self {
        JsonFinding {
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
                .map(|related| JsonRelated {
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

/// Writes the report as pretty-printed JSON followed by a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    render_with(report, JsonOptions::default(), out)
}

/// [`render`], with the suppressed findings when `options` ask for them.
pub fn render_with(report: &Report, options: JsonOptions, out: &mut dyn Write) -> io::Result<()> {
    let document = JsonReport {
        version: FORMAT_VERSION,
        tool: Tool {
            name: "plimsoll",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: &report.summary,
        findings: report.findings.iter().map(JsonFinding::from).collect(),
        suppressed: options
            .show_suppressed
            .then(|| report.suppressed.iter().map(JsonSuppressed::from).collect()),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}
