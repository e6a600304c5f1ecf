//! `--format github`: GitHub Actions workflow commands, which GitHub shows
//! as annotations on the pull request's changed lines.
//!
//! One line per finding:
//! `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=plimsoll [rule]::message`
//! (`warning` for warnings, `notice` for infos). The message carries the
//! help on a second line. Data is escaped as the Actions runner expects
//! (`%` → `%25`, CR → `%0D`, LF → `%0A`); property values also escape
//! `:` → `%3A` and `,` → `%2C`. Nothing else is printed, so the output can
//! be mixed into any job log.
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per
//! step and drops the rest, so [`render`] writes the first 10 errors, then
//! the first 10 warnings, then the first 9 infos, and ends with one
//! `::notice` giving the totals (and how many were left out).
//! [`render_step_summary`] writes the Markdown table per rule that the CLI
//! appends to `$GITHUB_STEP_SUMMARY`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::finding::{Finding, Severity};
use crate::report::Report;

use super::human::summary_line;

/// GitHub's limit of annotations of one level (error, warning, notice)
/// shown per step.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// Escapes the message part of a workflow command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The workflow command of one finding, without the trailing newline.
pub fn annotation(finding: &Finding) -> String {
    let span = finding.span;
    let mut properties = vec![
        format!("file={}", escape_property(&finding.file)),
        format!("line={}", span.start.line.max(1)),
        format!("col={}", span.start.column.max(1)),
    ];
    if span.end.line >= span.start.line && span.end.line > 0 {
        properties.push(format!("endLine={}", span.end.line));
        if span.end.line == span.start.line && span.end.column > span.start.column {
            properties.push(format!("endColumn={}", span.end.column));
        }
    }
    properties.push(format!(
        "title={}",
        escape_property(&format!("plimsoll [{}]", finding.rule))
    ));
    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{} {}::{}",
        command(finding.severity),
        properties.join(","),
        escape_data(&message)
    )
}

/// How many findings of `severity` get an annotation: the notice level
/// keeps one place for the totals.
fn shown_at(severity: Severity) -> usize {
    match severity {
        Severity::Error | Severity::Warning => ANNOTATIONS_PER_LEVEL,
        Severity::Info => ANNOTATIONS_PER_LEVEL - 1,
    }
}

/// Writes the annotations GitHub shows (errors first, then warnings, then
/// infos, at most [`ANNOTATIONS_PER_LEVEL`] of a level) and a final
/// `::notice` with the totals.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut shown = 0;
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        for finding in report
            .findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .take(shown_at(severity))
        {
            writeln!(out, "{}", annotation(finding))?;
            shown += 1;
        }
    }
    writeln!(
        out,
        "::notice title={}::{}",
        escape_property("plimsoll"),
        escape_data(&totals(report, shown))
    )
}

/// The text of the final notice: the human report's summary line, and how
/// many findings have no annotation.
fn totals(report: &Report, shown: usize) -> String {
    let mut text = summary_line(&report.summary);
    let left_out = report.findings.len().saturating_sub(shown);
    if left_out > 0 {
        text.push_str(&format!(
            " {left_out} not annotated: GitHub shows {ANNOTATIONS_PER_LEVEL} annotations \
of each level per step (the job summary, the SARIF report or a --format human run \
has them all)."
        ));
    }
    text
}

/// Counts of one rule.
#[derive(Default)]
struct RuleCounts {
    errors: usize,
    warnings: usize,
    infos: usize,
}

/// Writes the Markdown job summary: the totals and a table of findings per
/// rule (most errors first), for `$GITHUB_STEP_SUMMARY`.
pub fn render_step_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut by_rule: BTreeMap<&str, RuleCounts> = BTreeMap::new();
    for finding in &report.findings {
        let counts = by_rule.entry(&finding.rule).or_default();
        match finding.severity {
            Severity::Error => counts.errors += 1,
            Severity::Warning => counts.warnings += 1,
            Severity::Info => counts.infos += 1,
        }
    }
    writeln!(out, "### plimsoll")?;
    writeln!(out)?;
    writeln!(out, "{}", totals(report, report.findings.len()))?;
    if by_rule.is_empty() {
        return Ok(());
    }
    let mut rows: Vec<(&str, RuleCounts)> = by_rule.into_iter().collect();
    rows.sort_by(|(a_rule, a), (b_rule, b)| {
        (b.errors, b.warnings, b.infos, a_rule).cmp(&(a.errors, a.warnings, a.infos, b_rule))
    });
    writeln!(out)?;
    writeln!(out, "| Rule | Errors | Warnings | Infos |")?;
    writeln!(out, "|---|---:|---:|---:|")?;
    for (rule, counts) in rows {
        writeln!(
            out,
            "| [`{rule}`]({}) | {} | {} | {} |",
            super::sarif::rule_help_uri(rule),
            counts.errors,
            counts.warnings,
            counts.infos
        )?;
    }
    Ok(())
}
