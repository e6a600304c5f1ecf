//! `plimsoll matrix` output: a table that fits 100 columns (split into
//! blocks of environments when it would not), JSON, and Markdown for a pull
//! request comment.

use std::io::{self, Write};

use serde::Serialize;

use crate::english::plural;
use crate::promotion::{Matrix, MatrixCell};

/// The width the human table fits in.
pub const WIDTH: usize = 100;
/// The widest a column gets; longer text is cut with `…`.
const MAX_CELL: usize = 24;
const GAP: &str = "  ";
const DRIFT_NOTE: &str = "* drift: differs from what the environment(s) promoting to it run";

fn cell_text(cell: Option<&MatrixCell>) -> String {
    match cell {
        None => "-".to_owned(),
        Some(cell) => {
            let mut text = String::new();
            if cell.drift {
                text.push('*');
            }
            if let Some(first) = cell.images.first() {
                text.push_str(&first.short());
            }
            if cell.images.len() > 1 {
                text.push_str(&format!(" +{}", cell.images.len() - 1));
            }
            text
        }
    }
}

pub(super) fn fit(text: &str, width: usize) -> String {
    let length = text.chars().count();
    if length <= width {
        format!("{text}{}", " ".repeat(width - length))
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Writes the table for people.
pub fn render_human(matrix: &Matrix, out: &mut dyn Write) -> io::Result<()> {
    if matrix.rows.is_empty() {
        return writeln!(out, "no images found");
    }
    let labels = matrix.row_labels();
    let label_width = labels
        .iter()
        .map(|label| label.chars().count())
        .chain(std::iter::once("SERVICE".len()))
        .max()
        .unwrap_or(0)
        .min(MAX_CELL);
    let columns: Vec<(String, Vec<String>, usize)> = matrix
        .environments
        .iter()
        .enumerate()
        .map(|(at, name)| {
            let texts: Vec<String> = matrix
                .rows
                .iter()
                .map(|row| cell_text(row.cells.get(at).and_then(Option::as_ref)))
                .collect();
            let width = texts
                .iter()
                .map(|text| text.chars().count())
                .chain(std::iter::once(name.chars().count()))
                .max()
                .unwrap_or(1)
                .min(MAX_CELL);
            (name.clone(), texts, width)
        })
        .collect();
    // Blocks of environments that fit the width next to the label column.
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut used = label_width;
    for (at, (_, _, width)) in columns.iter().enumerate() {
        let needed = GAP.len() + width;
        match blocks.last_mut() {
            Some(block) if used + needed <= WIDTH => block.push(at),
            _ => {
                blocks.push(vec![at]);
                used = label_width;
            }
        }
        used += needed;
    }
    for (number, block) in blocks.iter().enumerate() {
        if number > 0 {
            writeln!(out)?;
        }
        let mut header = fit("SERVICE", label_width);
        for at in block {
            if let Some((name, _, width)) = columns.get(*at) {
                header.push_str(GAP);
                header.push_str(&fit(&name.to_uppercase(), *width));
            }
        }
        writeln!(out, "{}", header.trim_end())?;
        for (row, label) in labels.iter().enumerate() {
            let mut line = fit(label, label_width);
            for at in block {
                if let Some((_, texts, width)) = columns.get(*at) {
                    line.push_str(GAP);
                    line.push_str(&fit(texts.get(row).map_or("", String::as_str), *width));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    let drifts = drift_count(matrix);
    writeln!(out)?;
    if drifts > 0 {
        writeln!(out, "{DRIFT_NOTE}")?;
    }
    writeln!(
        out,
        "{} service image{}, {} environment{}, {drifts} drifting",
        matrix.rows.len(),
        plural(matrix.rows.len()),
        matrix.environments.len(),
        plural(matrix.environments.len()),
    )
}

fn drift_count(matrix: &Matrix) -> usize {
    matrix
        .rows
        .iter()
        .flat_map(|row| &row.cells)
        .flatten()
        .filter(|cell| cell.drift)
        .count()
}

/// Writes the matrix as a Markdown table (for a pull request comment).
pub fn render_markdown(matrix: &Matrix, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### Images by environment")?;
    writeln!(out)?;
    if matrix.rows.is_empty() {
        return writeln!(out, "No images found.");
    }
    let mut header = String::from("| service |");
    let mut rule = String::from("|---|");
    for name in &matrix.environments {
        header.push_str(&format!(" {name} |"));
        rule.push_str("---|");
    }
    writeln!(out, "{header}")?;
    writeln!(out, "{rule}")?;
    for (row, label) in matrix.rows.iter().zip(matrix.row_labels()) {
        let mut line = format!("| {} |", escape(&label));
        for cell in &row.cells {
            let text = match cell {
                None => "–".to_owned(),
                Some(cell) => {
                    let images: Vec<String> = cell
                        .images
                        .iter()
                        .map(|image| format!("`{}`", image.short()))
                        .collect();
                    let marker = if cell.drift { "⚠️ " } else { "" };
                    format!("{marker}{}", images.join("<br>"))
                }
            };
            line.push_str(&format!(" {text} |"));
        }
        writeln!(out, "{line}")?;
    }
    if drift_count(matrix) > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "⚠️ drift: differs from what the environment(s) promoting to it run."
        )?;
    }
    Ok(())
}

pub(super) fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

#[derive(Serialize)]
struct JsonMatrix<'a> {
    version: u32,
    tool: Tool,
    environments: &'a [String],
    services: Vec<JsonRow<'a>>,
}

#[derive(Serialize)]
pub(super) struct Tool {
    name: &'static str,
    version: &'static str,
}

impl Tool {
    pub(super) fn plimsoll() -> Tool {
        Tool {
            name: "plimsoll",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

#[derive(Serialize)]
struct JsonRow<'a> {
    service: &'a str,
    repository: &'a str,
    environments: Vec<JsonCell<'a>>,
}

#[derive(Serialize)]
struct JsonCell<'a> {
    environment: &'a str,
    drift: bool,
    images: &'a [crate::promotion::MatrixImage],
}

/// Writes the matrix as JSON: for each service and repository, the
/// environments that run it (in graph order) with their images and drift
/// flag.
pub fn render_json(matrix: &Matrix, out: &mut dyn Write) -> io::Result<()> {
    let services = matrix
        .rows
        .iter()
        .map(|row| JsonRow {
            service: &row.service,
            repository: &row.repository,
            environments: matrix
                .environments
                .iter()
                .zip(&row.cells)
                .filter_map(|(name, cell)| {
                    cell.as_ref().map(|cell| JsonCell {
                        environment: name,
                        drift: cell.drift,
                        images: &cell.images,
                    })
                })
                .collect(),
        })
        .collect();
    let document = JsonMatrix {
        version: super::json::FORMAT_VERSION,
        tool: Tool::plimsoll(),
        environments: &matrix.environments,
        services,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}
