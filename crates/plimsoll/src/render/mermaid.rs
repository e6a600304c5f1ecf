//! `plimsoll matrix --format mermaid`: the promotion path as a Mermaid
//! flowchart, each environment with the images it runs, for a pull-request
//! comment or the GitHub step summary (GitHub renders Mermaid in Markdown).
//!
//! Environments that drift (run something no predecessor runs) are drawn
//! in amber; with `--diff`, each changed image is marked with its old
//! version, and environments that deploy an image no predecessor ran first
//! are drawn in red.

use std::io::{self, Write};

use crate::environment::Environments;
use crate::promotion::{Matrix, MatrixDiff, MatrixImage};

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
    // Environments of the graph that run something or take part in an
    // edge between two such, in graph order; node ids by position, since
    // environment names may hold characters Mermaid ids may not.
    let shown: Vec<&str> = environments
        .iter()
        .map(|environment| environment.name.as_str())
        .filter(|name| matrix.environments.iter().any(|present| present == name))
        .collect();
    let id = |name: &str| {
        shown
            .iter()
            .position(|shown| *shown == name)
            .map(|at| format!("env{at}"))
    };
    for name in &shown {
        let Some(node) = id(name) else {
            continue;
        };
        writeln!(out, "  {node}[\"{}\"]", label(matrix, name, diff))?;
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
        .filter(|name| drifts(matrix, name))
        .filter_map(|name| id(name))
        .collect();
    let unvalidated: Vec<String> = shown
        .iter()
        .filter(|name| {
            diff.is_some_and(|diff| {
                diff.changes
                    .iter()
                    .any(|change| change.environment == **name && change.is_unvalidated())
            })
        })
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

/// The node text: the environment, then one line per service image, the
/// old version first where the change replaced it.
fn label(matrix: &Matrix, environment: &str, diff: Option<&MatrixDiff>) -> String {
    let Some(column) = matrix
        .environments
        .iter()
        .position(|name| name == environment)
    else {
        return escape(environment);
    };
    let mut lines = vec![format!("<b>{}</b>", escape(environment))];
    for (row, row_label) in matrix.rows.iter().zip(matrix.row_labels()) {
        let Some(Some(cell)) = row.cells.get(column) else {
            continue;
        };
        let now = versions(&cell.images);
        let change = diff.and_then(|diff| {
            diff.changes.iter().find(|change| {
                change.environment == environment
                    && change.service == row.service
                    && change.repository == row.repository
            })
        });
        let marker = if cell.drift { " ⚠" } else { "" };
        let text = match change {
            Some(change) if change.before.is_empty() => format!("{now} (new)"),
            Some(change) => format!("{} → {now}", versions(&change.before)),
            None => now,
        };
        lines.push(format!("{}: {}{marker}", escape(&row_label), escape(&text)));
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

fn drifts(matrix: &Matrix, environment: &str) -> bool {
    let Some(column) = matrix
        .environments
        .iter()
        .position(|name| name == environment)
    else {
        return false;
    };
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
