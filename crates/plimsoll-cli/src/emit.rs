//! Writing the reports of `check` and `promote`: one check, one report per
//! `--format` (each to its own file, at most one to `--output` or stdout),
//! the GitHub job summary, and the exit code.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use plimsoll::render::{concise, github, human, json, junit, sarif, statistics};
use plimsoll::{Engine, Report, Severity};

use clap::ValueEnum;

use crate::args::{ColorChoice, FailOn, Format, ReportTarget};

/// The file GitHub Actions shows as the job summary (Markdown, appended).
const STEP_SUMMARY_VARIABLE: &str = "GITHUB_STEP_SUMMARY";

/// How the reports are written, and the threshold for exit code 1.
pub(crate) struct Emit<'a> {
    pub targets: &'a [ReportTarget],
    pub output: Option<&'a Path>,
    pub color: ColorChoice,
    pub quiet: bool,
    pub fail_on: FailOn,
    pub show_suppressed: bool,
    /// Counts per rule instead of the findings (`--statistics`).
    pub statistics: bool,
    /// End the human report with the config in use (`check`).
    pub names_config: bool,
}

/// Checks, before anything is checked, that at most one report goes to
/// `--output` or stdout, and that `--statistics` is asked of formats that
/// have them.
pub(crate) fn check_targets(targets: &[ReportTarget], statistics: bool) -> Result<(), String> {
    let name = |format: Format| {
        format
            .to_possible_value()
            .map(|value| value.get_name().to_owned())
            .unwrap_or_default()
    };
    let unnamed: Vec<String> = targets
        .iter()
        .filter(|target| target.file.is_none())
        .map(|target| name(target.format))
        .collect();
    if unnamed.len() > 1 {
        return Err(format!(
            "--format {} all go to the same place: give every format but one a file (`--format sarif:plimsoll.sarif`)",
            unnamed.join(", --format ")
        ));
    }
    if statistics {
        if let Some(target) = targets.iter().find(|target| {
            !matches!(
                target.format,
                Format::Human | Format::Concise | Format::Json
            )
        }) {
            return Err(format!(
                "--statistics prints counts per rule as text (human, concise) or json, not {}",
                name(target.format)
            ));
        }
    }
    Ok(())
}

/// The format written to stdout, if any (it decides on progress bars).
pub(crate) fn stdout_format(targets: &[ReportTarget], output: Option<&Path>) -> Option<Format> {
    if output.is_some() {
        return None;
    }
    targets
        .iter()
        .find(|target| target.file.is_none())
        .map(|target| target.format)
}

/// Renders the report in every format asked for and chooses the exit code
/// (the targets were checked with [`check_targets`] before the run).
pub(crate) fn emit(report: &Report, engine: &Engine, how: &Emit<'_>) -> Result<ExitCode, String> {
    for target in how.targets {
        let file = target.file.as_deref().or(how.output);
        write_one(report, engine, how, target.format, file)?;
        if target.format == Format::Github {
            append_step_summary(report)?;
        }
    }
    let threshold = match how.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    Ok(if report.fails(threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_one(
    report: &Report,
    engine: &Engine,
    how: &Emit<'_>,
    format: Format,
    file: Option<&Path>,
) -> Result<(), String> {
    let color = match how.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // The conventions other command-line tools follow: NO_COLOR turns
        // colour off, CLICOLOR_FORCE on (for a file too), CLICOLOR=0 and
        // TERM=dumb off; else colour on a terminal.
        ColorChoice::Auto => match file {
            None => anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never,
            Some(_) => !anstyle_query::no_color() && anstyle_query::clicolor_force(),
        },
    };
    // Streamed, not built in memory first: the report of a large run is
    // hundreds of MB next to the findings it is made from.
    let mut out = open_output(file)?;
    let written = match format {
        Format::Human | Format::Concise if how.statistics => {
            statistics::render_text(report, how.quiet, &mut out)
        }
        Format::Json if how.statistics => statistics::render_json(report, &mut out),
        Format::Concise => concise::render(report, how.quiet, &mut out),
        Format::Human => human::render(
            report,
            human::HumanOptions {
                color,
                quiet: how.quiet,
            },
            &mut out,
        )
        .and_then(|()| {
            if how.quiet || !how.names_config {
                return Ok(());
            }
            writeln!(out, "{}", config_in_use(engine))
        }),
        Format::Json => json::render_with(
            report,
            json::JsonOptions::default().showing_suppressed(how.show_suppressed),
            &mut out,
        ),
        Format::Sarif => sarif::render(
            report,
            engine.rules(),
            sarif::SarifOptions::default().including_baselined(how.show_suppressed),
            &mut out,
        ),
        Format::Junit => junit::render(report, &mut out),
        Format::Github => github::render(report, &mut out),
    }
    .and_then(|()| out.flush());
    match written {
        // A closed pipe (`plimsoll check | head`) is not an error.
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the report: {error}"))
        }
        _ => Ok(()),
    }
}

/// Appends the Markdown summary to `$GITHUB_STEP_SUMMARY` when it is set.
fn append_step_summary(report: &Report) -> Result<(), String> {
    let Some(path) = std::env::var_os(STEP_SUMMARY_VARIABLE).map(PathBuf::from) else {
        return Ok(());
    };
    if path.as_os_str().is_empty() {
        return Ok(());
    }
    let mut text = Vec::new();
    github::render_step_summary(report, &mut text)
        .map_err(|error| format!("cannot write the job summary: {error}"))?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(&text))
        .map_err(|error| {
            format!(
                "cannot append to ${STEP_SUMMARY_VARIABLE} ({}): {error}",
                path.display()
            )
        })
}

/// The human report's last line: which config the run used, and what
/// staying without one means.
fn config_in_use(engine: &Engine) -> String {
    match &engine.config().path {
        Some(path) => format!("Config: {}", path.display()),
        None => {
            let conventions: Vec<&str> = engine
                .rules()
                .iter()
                .filter(|rule| rule.is_convention())
                .map(|rule| rule.id())
                .collect();
            format!(
                "No .plimsoll.yaml: conventions off ({}); `plimsoll init` to set them.",
                conventions.join(", ")
            )
        }
    }
}

/// Where a report goes: the file, else stdout; buffered.
fn open_output(output: Option<&Path>) -> Result<Box<dyn Write>, String> {
    Ok(match output {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|error| format!("cannot write {}: {error}", path.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    })
}
