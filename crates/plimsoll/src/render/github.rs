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

use std::io::{self, Write};

use crate::engine::Report;
use crate::finding::{Finding, Severity};

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

/// Writes one workflow command per finding.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        writeln!(out, "{}", annotation(finding))?;
    }
    Ok(())
}
