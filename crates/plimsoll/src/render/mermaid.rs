//! `plimsoll matrix --format mermaid`: the promotion path as a Mermaid
//! flowchart, each environment with the images it runs, for a pull-request
//! comment or the GitHub step summary (GitHub renders Mermaid in Markdown).
//!
//! Environments that drift (run something no predecessor runs) are drawn
//! in amber; with `--diff`, each changed image is marked with its old
//! version, and environments that deploy an image no predecessor ran first
//! are drawn in red.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use crate::environment::Environments;
use crate::promotion::{CellChange, Matrix, MatrixDiff, MatrixImage};

/// Writes the flowchart in a fenced `mermaid` block. `diff`, when given,
/// holds the changes since a base revision, marked on the nodes.
pub fn render_mermaid(
    matrix: &Matrix,
    environments: &Environments,
    diff: Option<&MatrixDiff>,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "```mermaid")?;
    writeln!(out, "flowchart LR")?;
    // The matrix's column of each environment, the row labels and the
    // changes by cell, found once: looking them up for every environment
    // grew with the square of the environments.
    let mut columns: HashMap<&str, usize> = HashMap::new();
    for (at, name) in matrix.environments.iter().enumerate() {
        columns.entry(name.as_str()).or_insert(at);
    }
    let row_labels = matrix.row_labels();
    let all_changes = diff.map_or(&[][..], |diff| diff.changes.as_slice());
    let mut changes: Changes<'_> = HashMap::new();
    for change in all_changes {
        changes
            .entry((
                change.environment.as_str(),
                change.service.as_str(),
                change.repository.as_str(),
            ))
            .or_insert(change);
    }
    // Environments of the graph that run something or take part in an
    // edge between two such, in graph order; node ids by position, since
    // environment names may hold characters Mermaid ids may not.
    let shown: Vec<&str> = environments
        .iter()
        .map(|environment| environment.name.as_str())
        .filter(|name| columns.contains_key(name))
        .collect();
    let positions: HashMap<&str, usize> = shown
        .iter()
        .enumerate()
        .map(|(at, name)| (*name, at))
        .collect();
    let id = |name: &str| positions.get(name).map(|at| format!("env{at}"));
    for name in &shown {
        let Some(node) = id(name) else {
            continue;
        };
        let text = label(
            matrix,
            &row_labels,
            columns.get(name).copied(),
            name,
            &changes,
        );
        writeln!(out, "  {node}[\"{text}\"]")?;
    }
    for environment in environments.iter() {
        let Some(from) = id(&environment.name) else {
            continue;
        };
        for next in &environment.promotes_to {
            let Some(to) = environments.get(*next).and_then(|next| id(&next.name)) else {
                continue;
            };
            writeln!(out, "  {from} --> {to}")?;
        }
    }
    let drifting: Vec<String> = shown
        .iter()
        .filter(|name| {
            columns
                .get(*name)
                .is_some_and(|column| drifts(matrix, *column))
        })
        .filter_map(|name| id(name))
        .collect();
    let unvalidated_in: HashSet<&str> = all_changes
        .iter()
        .filter(|change| change.is_unvalidated())
        .map(|change| change.environment.as_str())
        .collect();
    let unvalidated: Vec<String> = shown
        .iter()
        .filter(|name| unvalidated_in.contains(*name))
        .filter_map(|name| id(name))
        .collect();
    if !drifting.is_empty() {
        writeln!(out, "  classDef drift fill:#fff3cd,stroke:#b8860b")?;
        writeln!(out, "  class {} drift", drifting.join(","))?;
    }
    if !unvalidated.is_empty() {
        writeln!(out, "  classDef unvalidated fill:#f8d7da,stroke:#b02a37")?;
        writeln!(out, "  class {} unvalidated", unvalidated.join(","))?;
    }
    writeln!(out, "```")?;
    if !drifting.is_empty() || !unvalidated.is_empty() {
        writeln!(out)?;
        if !drifting.is_empty() {
            writeln!(
                out,
                "Amber: runs an image that no environment promoting to it runs (drift)."
            )?;
        }
        if !unvalidated.is_empty() {
            writeln!(
                out,
                "Red: this change deploys an image there that no environment promoting to it ran first."
            )?;
        }
    }
    Ok(())
}

/// A change by (environment, service, repository).
type Changes<'d> = HashMap<(&'d str, &'d str, &'d str), &'d CellChange>;

/// The node text: the environment, then one line per service image, the
/// old version first where the change replaced it. `column` is the
/// environment's column of the matrix.
fn label(
    matrix: &Matrix,
    row_labels: &[String],
    column: Option<usize>,
    environment: &str,
    changes: &Changes<'_>,
) -> String {
    let Some(column) = column else {
        return escape(environment);
    };
    let mut lines = vec![format!("<b>{}</b>", escape(environment))];
    for (row, row_label) in matrix.rows.iter().zip(row_labels) {
        let Some(Some(cell)) = row.cells.get(column) else {
            continue;
        };
        let now = versions(&cell.images);
        let change = changes.get(&(environment, row.service.as_str(), row.repository.as_str()));
        let marker = if cell.drift { " ⚠" } else { "" };
        let text = match change {
            Some(change) if change.before.is_empty() => format!("{now} (new)"),
            Some(change) => format!("{} → {now}", versions(&change.before)),
            None => now,
        };
        lines.push(format!("{}: {}{marker}", escape(row_label), escape(&text)));
    }
    lines.join("<br/>")
}

fn versions(images: &[MatrixImage]) -> String {
    images
        .iter()
        .map(MatrixImage::short)
        .collect::<Vec<_>>()
        .join(", ")
}

fn drifts(matrix: &Matrix, column: usize) -> bool {
    matrix
        .rows
        .iter()
        .any(|row| matches!(row.cells.get(column), Some(Some(cell)) if cell.drift))
}

/// Text safe inside a quoted Mermaid label: quotes and markup characters
/// as entity codes.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '"' => escaped.push_str("#quot;"),
            '<' => escaped.push_str("#lt;"),
            '>' => escaped.push_str("#gt;"),
            '#' => escaped.push_str("#35;"),
            other => escaped.push(other),
        }
    }
    escaped
}
