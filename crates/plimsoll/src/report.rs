//! The report of a check: sorted findings, counts, the suppressed findings
//! and the files checked, with the lines findings start on kept for
//! snippets. Renderers read only this.

use std::collections::BTreeMap;

use crate::finding::{CheckedFile, Finding, Severity, Summary, SuppressedFinding};

/// The result of a check: sorted findings and counts.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Report {
    /// Findings that were not suppressed, sorted by file, line, column, rule.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
    /// Findings hidden by suppressions or a baseline (counted in
    /// `summary.suppressed`), in the same order as `findings`.
    pub suppressed: Vec<SuppressedFinding>,
    /// Every file checked, in the order of `findings`, with its objects.
    pub files: Vec<CheckedFile>,
    pub(crate) snippets: Snippets,
}

/// The lines of the input that findings start on (for snippets): a report
/// keeps these rather than whole files.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snippets(BTreeMap<String, BTreeMap<u32, Box<str>>>);

impl Snippets {
    /// Whether the line is kept already (the first text kept stays).
    pub(crate) fn has(&self, file: &str, line: u32) -> bool {
        self.0
            .get(file)
            .is_some_and(|lines| lines.contains_key(&line))
    }

    pub(crate) fn add(&mut self, file: &str, line: u32, text: &str) {
        if let Some(lines) = self.0.get_mut(file) {
            lines.entry(line).or_insert_with(|| text.into());
        } else {
            self.0
                .insert(file.to_owned(), BTreeMap::from([(line, text.into())]));
        }
    }
}

impl Report {
    /// The text of a line a finding starts on (for snippets), without its
    /// line break; `line` counts from 1.
    pub fn source_line(&self, file: &str, line: u32) -> Option<&str> {
        self.snippets
            .0
            .get(file)
            .and_then(|lines| lines.get(&line))
            .map(|text| &**text)
    }

    /// Recounts `summary.errors`, `warnings`, `infos` and `suppressed` from
    /// `findings` and `suppressed` (after a baseline moved findings, say).
    pub fn recount(&mut self) {
        let mut summary = Summary {
            files: self.summary.files,
            documents: self.summary.documents,
            suppressed: self.suppressed.len(),
            preexisting: self.summary.preexisting,
            ..Summary::default()
        };
        for finding in &self.findings {
            summary.count(finding.severity);
        }
        self.summary = summary;
    }

    /// Keeps the text of a line so that renderers can show it under the
    /// findings that start on it (for findings added after the check).
    pub fn add_source_line(&mut self, file: &str, line: u32, text: &str) {
        self.snippets.add(file, line, text);
    }

    /// Whether any finding is at or above `threshold` (`None`: never).
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|threshold| self.summary.at_or_above(threshold) > 0)
    }
}
