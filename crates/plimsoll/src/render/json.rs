//! `--format json`: the stable, versioned report of SPEC section 5.

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Finding, Summary, SuppressedBy, SuppressedFinding};
use crate::report::Report;

/// The version of the JSON report's shape.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    summary: &'a Summary,
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Vec<JsonSuppressed<'a>>>,
}

/// A suppressed finding: the finding and what hid it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    suppressed_by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl<'a> From<&'a SuppressedFinding> for JsonSuppressed<'a> {
    fn from(item: &'a SuppressedFinding) -> Self {
        JsonSuppressed {
            finding: &item.finding,
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
        findings: &report.findings,
        suppressed: options
            .show_suppressed
            .then(|| report.suppressed.iter().map(JsonSuppressed::from).collect()),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}
