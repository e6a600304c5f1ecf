//! `check --fix` and `--fix --dry-run`: the safe fixes the findings of a
//! report offer, applied to their files (or shown as a unified diff).

use std::collections::BTreeMap;
use std::path::Path;

use plimsoll::fix::{self, Fix};
use plimsoll::Report;

/// What applying the fixes of a report did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Fixes applied (or, in a dry run, that would be).
    pub applied: usize,
    /// The files changed, with their text before and after.
    pub changed: Vec<(String, String, String)>,
    /// Fixes not applied, with why.
    pub skipped: Vec<String>,
}

/// Works out the fixed text of every file with fixable findings in
/// `report`. Findings on documents rendered from a Helm template (they name
/// a `source`) are not fixed: the template is what to change.
pub fn plan(report: &Report) -> Outcome {
    let mut by_file: BTreeMap<&str, Vec<(usize, &Fix)>> = BTreeMap::new();
    let mut outcome = Outcome::default();
    for finding in &report.findings {
        let Some(fix) = &finding.fix else {
            continue;
        };
        if finding.source.is_some() {
            outcome.skipped.push(format!(
                "{}:{}: {} (rendered from {}: fix the template)",
                finding.file,
                finding.span.start.line,
                fix.description,
                finding.source.as_deref().unwrap_or_default()
            ));
            continue;
        }
        by_file
            .entry(finding.file.as_str())
            .or_default()
            .push((finding.document, fix));
    }
    for (file, fixes) in by_file {
        let Ok(before) = std::fs::read_to_string(Path::new(file)) else {
            outcome.skipped.push(format!(
                "{file}: cannot be read, {} fixes not applied",
                fixes.len()
            ));
            continue;
        };
        let mut after = before.clone();
        for (document, fix) in fixes {
            match fix::apply(&after, document, fix) {
                Ok(text) => {
                    // A fix another one already made changes nothing.
                    if text != after {
                        outcome.applied += 1;
                    }
                    after = text;
                }
                Err(error) => outcome
                    .skipped
                    .push(format!("{file}: {}: {error}", fix.description)),
            }
        }
        if after != before {
            outcome.changed.push((file.to_owned(), before, after));
        }
    }
    outcome
}

/// Writes the fixed files.
pub fn write(outcome: &Outcome) -> Result<(), String> {
    for (file, _, after) in &outcome.changed {
        std::fs::write(file, after).map_err(|error| format!("cannot write {file}: {error}"))?;
    }
    Ok(())
}

/// The changes as a unified diff, file by file.
pub fn unified_diff(outcome: &Outcome) -> String {
    let mut out = String::new();
    for (file, before, after) in &outcome.changed {
        let diff = similar::TextDiff::from_lines(before.as_str(), after.as_str());
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{file}"), &format!("b/{file}"))
                .to_string(),
        );
    }
    out
}

/// One line for stderr: what was fixed and what was not.
pub fn summary(outcome: &Outcome, dry_run: bool) -> String {
    let files = outcome.changed.len();
    let mut line = format!(
        "{} {} {} in {} {}",
        if dry_run { "Would apply" } else { "Applied" },
        outcome.applied,
        if outcome.applied == 1 { "fix" } else { "fixes" },
        files,
        if files == 1 { "file" } else { "files" },
    );
    if !outcome.skipped.is_empty() {
        line.push_str(&format!("; {} not applied:", outcome.skipped.len()));
        for reason in &outcome.skipped {
            line.push_str("\n  ");
            line.push_str(reason);
        }
    }
    line
}
