//! `plimsoll matrix --diff REF` output: what a change deploys where, each
//! change marked by whether a predecessor ran it first; for people (a
//! table that fits 100 columns), as JSON, and as Markdown for a pull
//! request comment or the GitHub step summary.

use std::io::{self, Write};

use serde::Serialize;

use super::matrix::{escape, fit, Tool};
use crate::english::plural;
use crate::promotion::{CellChange, MatrixDiff, MatrixImage, Validation};

/// The widest the before and after columns get.
const MAX_IMAGES: usize = 24;

fn images_text(images: &[MatrixImage]) -> String {
    match images {
        [] => "-".to_owned(),
        [only] => only.short(),
        [first, rest @ ..] => format!("{} +{}", first.short(), rest.len()),
    }
}

/// "already running in staging", "not validated in staging", …
fn verdict(change: &CellChange) -> String {
    match &change.validation {
        Validation::Removed => "removed".to_owned(),
        Validation::NothingNew => "no new image".to_owned(),
        Validation::FirstEnvironment => "first environment".to_owned(),
        Validation::AlreadyRunning { environment } => format!("already running in {environment}"),
        Validation::NotValidated { environments } => {
            format!("not validated in {}", environments.join(" or "))
        }
    }
}

fn count_unvalidated(diff: &MatrixDiff) -> usize {
    diff.changes
        .iter()
        .filter(|change| change.is_unvalidated())
        .count()
}

/// Writes the changes for people, `base` naming the revision compared with.
pub fn render_human(diff: &MatrixDiff, base: &str, out: &mut dyn Write) -> io::Result<()> {
    if diff.changes.is_empty() {
        return writeln!(out, "no image changes since {base}");
    }
    let rows: Vec<[String; 5]> = diff
        .changes
        .iter()
        .map(|change| {
            [
                change.service.clone(),
                change.environment.clone(),
                images_text(&change.before),
                images_text(&change.after),
                verdict(change),
            ]
        })
        .collect();
    let header = ["SERVICE", "ENVIRONMENT", "BEFORE", "AFTER", "VALIDATION"];
    let widths: Vec<usize> = (0..4)
        .map(|column| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|text| text.chars().count())
                .chain(header.get(column).map(|name| name.len()))
                .max()
                .unwrap_or(0)
                .min(MAX_IMAGES)
        })
        .collect();
    let line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (at, cell) in cells.iter().enumerate() {
            match widths.get(at) {
                Some(width) => {
                    text.push_str(&fit(cell, *width));
                    text.push_str("  ");
                }
                None => text.push_str(cell),
            }
        }
        text.trim_end().to_owned()
    };
    writeln!(out, "Image changes since {base}:")?;
    writeln!(out, "{}", line(header))?;
    for [service, environment, before, after, validation] in &rows {
        writeln!(
            out,
            "{}",
            line([service, environment, before, after, validation])
        )?;
    }
    writeln!(out)?;
    let unvalidated = count_unvalidated(diff);
    writeln!(
        out,
        "{} change{}, {unvalidated} not validated by the environment promoting to it",
        diff.changes.len(),
        plural(diff.changes.len()),
    )
}

/// Writes the changes as a Markdown table (a pull request comment, the
/// GitHub step summary).
pub fn render_markdown(diff: &MatrixDiff, base: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### Image changes since `{}`", base.replace('`', "'"))?;
    writeln!(out)?;
    if diff.changes.is_empty() {
        return writeln!(out, "No image changes.");
    }
    writeln!(
        out,
        "| service | environment | before | after | validation |"
    )?;
    writeln!(out, "|---|---|---|---|---|")?;
    let code = |images: &[MatrixImage]| {
        if images.is_empty() {
            "–".to_owned()
        } else {
            images
                .iter()
                .map(|image| format!("`{}`", image.short()))
                .collect::<Vec<_>>()
                .join("<br>")
        }
    };
    for change in &diff.changes {
        let mark = if change.is_unvalidated() {
            "⚠️ "
        } else if matches!(change.validation, Validation::AlreadyRunning { .. }) {
            "✅ "
        } else {
            ""
        };
        writeln!(
            out,
            "| {} | {} | {} | {} | {mark}{} |",
            escape(&change.service),
            escape(&change.environment),
            code(&change.before),
            code(&change.after),
            verdict(change)
        )?;
    }
    let unvalidated = count_unvalidated(diff);
    if unvalidated > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "⚠️ {unvalidated} change{} deploy{} an image that the environment promoting to it did not run first.",
            plural(unvalidated),
            // The verb agrees: "1 change deploys", "2 changes deploy".
            if unvalidated == 1 { "s" } else { "" },
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonDiff<'a> {
    version: u32,
    tool: Tool,
    base: &'a str,
    environments: &'a [String],
    changes: &'a [CellChange],
}

/// Writes the changes as JSON: each with its service, repository,
/// environment, images before and after, and `validation.status`
/// (`alreadyRunning`, `notValidated`, `firstEnvironment`, `nothingNew`,
/// `removed`).
pub fn render_json(diff: &MatrixDiff, base: &str, out: &mut dyn Write) -> io::Result<()> {
    let document = JsonDiff {
        version: super::json::FORMAT_VERSION,
        tool: Tool::plimsoll(),
        base,
        environments: &diff.environments,
        changes: &diff.changes,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}
