//! `--statistics`: how many findings each rule reported, instead of the
//! findings (most first), as text or JSON.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::finding::Severity;
use crate::report::Report;

/// One rule's count at one severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    /// The rule id.
    pub rule: String,
    /// The severity its findings had.
    pub severity: Severity,
    /// How many findings.
    pub count: usize,
    /// How many of them offer a fix (`check --fix`).
    pub fixable: usize,
}

/// The counts, most findings first, then by severity and rule id.
pub fn counts(report: &Report) -> Vec<RuleCount> {
    let mut by_rule: BTreeMap<(&str, Severity), (usize, usize)> = BTreeMap::new();
    for finding in &report.findings {
        let entry = by_rule
            .entry((&finding.rule, finding.severity))
            .or_default();
        entry.0 += 1;
        entry.1 += usize::from(finding.fix.is_some());
    }
    let mut counts: Vec<RuleCount> = by_rule
        .into_iter()
        .map(|((rule, severity), (count, fixable))| RuleCount {
            rule: rule.to_owned(),
            severity,
            count,
            fixable,
        })
        .collect();
    counts.sort_by(|a, b| (b.count, b.severity, &a.rule).cmp(&(a.count, a.severity, &b.rule)));
    counts
}

/// Writes an aligned table, one rule per line:
/// `  12  error    image-digest  [2 fixable]`, then the summary line.
pub fn render_text(report: &Report, quiet: bool, out: &mut dyn Write) -> io::Result<()> {
    let counts = counts(report);
    let count_width = counts
        .iter()
        .map(|count| count.count.to_string().len())
        .max()
        .unwrap_or(1);
    let rule_width = counts
        .iter()
        .map(|count| count.rule.len())
        .max()
        .unwrap_or(0);
    for count in &counts {
        let fixable = match count.fixable {
            0 => String::new(),
            n => format!("  [{n} fixable]"),
        };
        let line = format!(
            "{:>count_width$}  {:<7}  {:<rule_width$}{fixable}",
            count.count,
            count.severity.as_str(),
            count.rule,
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    if !quiet {
        writeln!(out, "{}", super::human::summary_line(&report.summary))?;
    }
    Ok(())
}

/// Writes the counts as a JSON array of `{rule, severity, count, fixable}`.
pub fn render_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &counts(report))?;
    out.write_all(b"\n")
}
