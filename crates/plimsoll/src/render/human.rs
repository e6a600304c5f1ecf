//! The human format: one diagnostic per finding, with the YAML snippet and
//! the offending text underlined, then a one-line summary.

use std::collections::HashSet;
use std::io::{self, Write};

use crate::engine::Report;
use crate::finding::{Finding, Severity, Summary};
use crate::source::Span;

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    /// Use ANSI colours.
    pub color: bool,
    /// Leave out the summary line.
    pub quiet: bool,
}

/// Lines longer than this are shown as a window around the finding.
const MAX_SNIPPET_CHARS: usize = 120;

struct Palette {
    color: bool,
}

impl Palette {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn severity_code(severity: Severity) -> &'static str {
        match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        }
    }
}

const GUTTER: &str = "1;34";

/// Writes every finding and the summary.
pub fn render(report: &Report, options: HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let palette = Palette {
        color: options.color,
    };
    // The ignore hint is the same for every finding of a rule: once per
    // rule is enough (a large run repeats it thousands of times otherwise).
    let mut hinted: HashSet<&str> = HashSet::new();
    for finding in &report.findings {
        let ignore_hint = hinted.insert(&finding.rule);
        render_finding(report, finding, ignore_hint, &palette, out)?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary_line(&report.summary))?;
    }
    Ok(())
}

fn render_finding(
    report: &Report,
    finding: &Finding,
    ignore_hint: bool,
    palette: &Palette,
    out: &mut dyn Write,
) -> io::Result<()> {
    let severity_code = Palette::severity_code(finding.severity);
    writeln!(
        out,
        "{}: {}",
        palette.paint(
            severity_code,
            &format!("{}[{}]", finding.severity, finding.rule)
        ),
        palette.paint("1", &finding.message)
    )?;
    let line = finding.span.start.line;
    // The gutter fits the widest line number shown.
    let width = std::iter::once(line)
        .chain(
            finding
                .related
                .iter()
                .map(|related| related.span.start.line),
        )
        .map(|line| line.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(width);
    writeln!(
        out,
        "{pad}{} {}:{}:{}",
        palette.paint(GUTTER, "-->"),
        finding.file,
        line,
        finding.span.start.column
    )?;
    if let Some(line_text) = report.source_line(&finding.file, line) {
        let (shown, caret_start, caret_len) = snippet_window(line_text, finding.span);
        write_snippet(
            out,
            palette,
            width,
            line,
            &shown,
            caret_start,
            &palette.paint(severity_code, &"^".repeat(caret_len)),
        )?;
    }
    for related in &finding.related {
        let at = related.span.start;
        let snippet = report.source_line(&related.file, at.line);
        let header = format!(
            "{} {}:{}:{}",
            palette.paint(GUTTER, ":::"),
            related.file,
            at.line,
            at.column
        );
        match snippet {
            Some(line_text) => {
                writeln!(out, "{pad}{header}")?;
                let (shown, caret_start, caret_len) = snippet_window(line_text, related.span);
                let label = format!("{} {}", "-".repeat(caret_len), related.message);
                write_snippet(
                    out,
                    palette,
                    width,
                    at.line,
                    &shown,
                    caret_start,
                    &palette.paint(GUTTER, &label),
                )?;
            }
            None => writeln!(out, "{pad}{header}: {}", related.message)?,
        }
    }
    let eq = palette.paint(GUTTER, "=");
    let mut context = Vec::new();
    if let Some(resource) = &finding.resource {
        context.push(resource.to_string());
    }
    if let Some(environment) = &finding.environment {
        context.push(format!("environment {environment}"));
    }
    if let Some(source) = &finding.source {
        context.push(format!("rendered from {source}"));
    }
    if !context.is_empty() {
        writeln!(out, "{pad} {eq} in: {}", context.join(", "))?;
    }
    if let Some(help) = &finding.help {
        writeln!(out, "{pad} {eq} help: {help}")?;
    }
    if ignore_hint {
        writeln!(
            out,
            "{pad} {eq} ignore: add `# plimsoll: ignore[{}] <reason>` on the line or the line above",
            finding.rule
        )?;
    }
    writeln!(out)
}

/// Draws one line of a file with its marker underneath:
/// an empty gutter line, the numbered line, then `marker` under the span.
fn write_snippet(
    out: &mut dyn Write,
    palette: &Palette,
    width: usize,
    line: u32,
    shown: &str,
    caret_start: usize,
    marker: &str,
) -> io::Result<()> {
    let pad = " ".repeat(width);
    let bar = palette.paint(GUTTER, "|");
    writeln!(out, "{pad} {bar}")?;
    writeln!(
        out,
        "{} {bar} {shown}",
        palette.paint(GUTTER, &format!("{line:>width$}"))
    )?;
    writeln!(out, "{pad} {bar} {}{marker}", " ".repeat(caret_start))
}

/// The text to show for a line, and where the carets go (in characters).
fn snippet_window(line_text: &str, span: Span) -> (String, usize, usize) {
    let chars: Vec<char> = line_text
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let start = (span.start.column as usize)
        .saturating_sub(1)
        .min(chars.len());
    let end = if span.end.line == span.start.line {
        (span.end.column as usize)
            .saturating_sub(1)
            .clamp(start, chars.len())
    } else {
        chars.len()
    };
    let (window_start, prefix) = if chars.len() > MAX_SNIPPET_CHARS && start > MAX_SNIPPET_CHARS / 2
    {
        (start - MAX_SNIPPET_CHARS / 4, "…")
    } else {
        (0, "")
    };
    let window_end = (window_start + MAX_SNIPPET_CHARS).min(chars.len());
    let suffix = if window_end < chars.len() { "…" } else { "" };
    let shown: String = chars
        .get(window_start..window_end)
        .unwrap_or_default()
        .iter()
        .collect();
    let caret_start = start - window_start + prefix.chars().count();
    let caret_len = end.min(window_end).saturating_sub(start).max(1);
    (
        format!("{prefix}{}{suffix}", shown.trim_end()),
        caret_start,
        caret_len,
    )
}

/// "Found 2 errors, 1 warning and 0 infos in 3 files (12 documents); 1 suppressed."
pub fn summary_line(summary: &Summary) -> String {
    let plural = |count: usize, word: &str| {
        if count == 1 {
            format!("{count} {word}")
        } else {
            format!("{count} {word}s")
        }
    };
    let scope = format!(
        "{} ({})",
        plural(summary.files, "file"),
        plural(summary.documents, "document")
    );
    let mut suppressed = if summary.suppressed > 0 {
        format!("; {} suppressed", summary.suppressed)
    } else {
        String::new()
    };
    if summary.preexisting > 0 {
        suppressed.push_str(&format!(
            "; {} more not new since the base revision",
            summary.preexisting
        ));
    }
    if summary.errors + summary.warnings + summary.infos == 0 {
        format!("No problems found in {scope}{suppressed}.")
    } else {
        format!(
            "Found {}, {} and {} in {scope}{suppressed}.",
            plural(summary.errors, "error"),
            plural(summary.warnings, "warning"),
            plural(summary.infos, "info"),
        )
    }
}
