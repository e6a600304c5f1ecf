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
        writeln!(out, "{finding}")?;
    }
    if !quiet {
        writeln!(out, "{}", summary_line(&report.summary))?;
    }
    Ok(())
}
