//! `--format concise`: one line per finding,
//! `file:line:column: severity[rule] message`, then the summary line — for
//! terminals and editors that jump to `file:line:column`, and for logs of
//! large runs.

use std::io::{self, Write};

use crate::report::Report;

use super::human::summary_line;

/// Writes one line per finding and, unless `quiet`, the summary line.
pub fn render(report: &Report, quiet: bool, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            finding.file,
            finding.span.start.line,
            finding.span.start.column,
            finding.severity,
            finding.rule,
            one_line(&finding.message)
        )?;
    }
    if !quiet {
        writeln!(out, "{}", summary_line(&report.summary))?;
    }
    Ok(())
}

/// A message on one line: line breaks would start what reads as another
/// finding.
fn one_line(message: &str) -> std::borrow::Cow<'_, str> {
    if message.contains(['\n', '\r']) {
        message
            .replace("\r\n", " ")
            .replace(['\n', '\r'], " ")
            .into()
    } else {
        message.into()
    }
}
