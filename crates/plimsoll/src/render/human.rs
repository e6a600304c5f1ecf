//! The human format: one diagnostic per finding — the YAML line with the
//! offending text underlined, each related place (the first copy of a
//! duplicate, what a quota counted, the `.plimsoll.yaml` line behind the
//! finding) drawn under it, possibly from another file — then a one-line
//! summary.
//!
//! Diagnostics are drawn by annotate-snippets, rustc's renderer. It was
//! measured against miette on 30,000 findings, each with a label in a
//! second file (release build, this project's 2-core machine): 0.37–0.43 s
//! for annotate-snippets, 0.41–0.43 s for miette — a tie on speed — and
//! annotate-snippets draws labels of several files in one frame with their
//! real line numbers, where miette shows each other file as a separate
//! "related" diagnostic.
//!
//! Only the lines findings start on are kept by a report, masked where they
//! hold a secret, so a diagnostic shows one line per place.

use std::collections::HashSet;
use std::io::{self, Write};

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::english::plural;
use crate::finding::{Finding, Severity, Summary};
use crate::report::Report;
use crate::source::Span;

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    /// Use ANSI colours, and Unicode box drawing for the frames (a
    /// terminal); else plain ASCII.
    pub color: bool,
    /// Leave out the summary line.
    pub quiet: bool,
}

/// Writes every finding and the summary.
pub fn render(report: &Report, options: HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let renderer = if options.color {
        Renderer::styled().decor_style(DecorStyle::Unicode)
    } else {
        Renderer::plain()
    };
    // The ignore hint is the same for every finding of a rule: once per
    // rule is enough (a large run repeats it thousands of times otherwise).
    let mut hinted: HashSet<&str> = HashSet::new();
    for finding in &report.findings {
        let ignore_hint = hinted.insert(&finding.rule);
        let diagnostic = diagnostic(report, finding, ignore_hint);
        writeln!(out, "{}", renderer.render(&[diagnostic]))?;
        writeln!(out)?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary_line(&report.summary))?;
    }
    Ok(())
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// One finding as a diagnostic: title, the places, then the notes.
fn diagnostic<'r>(report: &'r Report, finding: &'r Finding, ignore_hint: bool) -> Group<'r> {
    let mut group = Group::with_title(
        level(finding.severity)
            .primary_title(finding.message.as_str())
            .id(finding.rule.as_ref()),
    );
    group = group.element(place(
        report,
        &finding.file,
        finding.span,
        AnnotationKind::Primary,
        None,
    ));
    for related in &finding.related {
        group = group.element(place(
            report,
            &related.file,
            related.span,
            AnnotationKind::Context,
            Some(related.message.as_str()),
        ));
    }
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
        group = group.element(Level::NOTE.with_name("in").message(context.join(", ")));
    }
    if let Some(help) = &finding.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    if ignore_hint {
        group = group.element(Level::NOTE.with_name("ignore").message(format!(
            "add `# plimsoll: ignore[{}] <reason>` on the line or the line above",
            finding.rule
        )));
    }
    group
}

/// A place as a one-line snippet with its annotation; a file whose line
/// the report did not keep is named with its position only.
fn place<'r>(
    report: &'r Report,
    file: &'r str,
    span: Span,
    kind: AnnotationKind,
    label: Option<&'r str>,
) -> Snippet<'r, annotate_snippets::Annotation<'r>> {
    let line = span.start.line;
    match report.source_line(file, line) {
        Some(text) => {
            let range = byte_range(text, span);
            let mut annotation = kind.span(range);
            if let Some(label) = label {
                annotation = annotation.label(label);
            }
            Snippet::source(text)
                .line_start(usize::try_from(line).unwrap_or(usize::MAX))
                .path(file)
                .annotation(annotation)
        }
        None => {
            // No line to show (an input without text): the position, and
            // the label, still say where.
            let mut annotation = kind.span(0..0);
            if let Some(label) = label {
                annotation = annotation.label(label);
            }
            Snippet::source("")
                .line_start(usize::try_from(line.max(1)).unwrap_or(usize::MAX))
                .path(file)
                .annotation(annotation)
        }
    }
}

/// The bytes of `text` (one line) that a span covers: from its start
/// column to its end column on that line, or to the line's end when it
/// runs over several lines.
fn byte_range(text: &str, span: Span) -> std::ops::Range<usize> {
    let byte_at = |column: u32| {
        let skip = (column as usize).saturating_sub(1);
        text.char_indices()
            .nth(skip)
            .map_or(text.len(), |(at, _)| at)
    };
    let start = byte_at(span.start.column);
    let end = if span.end.line == span.start.line {
        byte_at(span.end.column).max(start)
    } else {
        text.trim_end().len().max(start)
    };
    start..end
}

/// "Found 2 errors, 1 warning and 0 infos in 3 files (12 documents); 1 suppressed."
pub fn summary_line(summary: &Summary) -> String {
    let counted = |count: usize, word: &str| format!("{count} {word}{}", plural(count));
    let scope = format!(
        "{} ({})",
        counted(summary.files, "file"),
        counted(summary.documents, "document")
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
            counted(summary.errors, "error"),
            counted(summary.warnings, "warning"),
            counted(summary.infos, "info"),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{render, HumanOptions};
    use crate::finding::{Finding, Related, Severity};
    use crate::report::Report;
    use crate::source::{Position, Span};

    fn at(line: u32, column: u32) -> Span {
        let position = Position {
            line,
            column,
            offset: 0,
        };
        Span {
            start: position,
            end: position,
        }
    }

    /// A finding whose lines the report did not keep (an input without
    /// text, a command's finding about no document) still names its
    /// places, in colour and without.
    #[test]
    fn places_without_a_kept_line_are_named() {
        let mut report = Report::default();
        let mut finding = Finding::new(
            "promotion-path",
            Severity::Error,
            "no document",
            String::new(),
            at(0, 0),
        );
        finding.related = vec![Related {
            file: "elsewhere.yaml".into(),
            span: at(7, 3),
            message: "the other place".into(),
        }];
        report.findings.push(finding);
        report.recount();
        for color in [false, true] {
            let mut out = Vec::new();
            render(
                &report,
                HumanOptions {
                    color,
                    quiet: false,
                },
                &mut out,
            )
            .unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("no document"), "{text}");
            assert!(text.contains("elsewhere.yaml:7"), "{text}");
            assert!(text.contains("the other place"), "{text}");
        }
    }
}
