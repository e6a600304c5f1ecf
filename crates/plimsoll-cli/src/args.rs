//! Command-line flags, defined once: help, completions and parsing all come
//! from these types.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Policy linter and manifest validator for Kubernetes config repositories.
#[derive(Debug, Parser)]
#[command(name = "plimsoll", version, about, arg_required_else_help = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint and validate manifests (files, directories, or `-` for stdin).
    Check(CheckArgs),
    /// List the rules: id, category, default severity, summary.
    Rules(RulesArgs),
    /// Explain a rule: rationale, examples, how to fix and ignore it.
    Explain {
        /// The rule id.
        rule: String,
        /// Config file whose policy files define custom rules (default: the
        /// nearest `.plimsoll.yaml` upwards).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Write a commented starter `.plimsoll.yaml` in the current directory.
    Init {
        /// Overwrite an existing `.plimsoll.yaml`.
        #[arg(long)]
        force: bool,
    },
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Flags of `plimsoll check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files and directories to check; `-` reads stdin. Default: `.`.
    pub paths: Vec<PathBuf>,
    /// Put every document in this environment.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Config file (default: the nearest `.plimsoll.yaml` upwards).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub ignore: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// The file name to report stdin under (and to resolve its environment).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print findings only: no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Flags of `plimsoll rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Config file whose policy files define custom rules (default: the
    /// nearest `.plimsoll.yaml` upwards).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics with snippets, for people.
    Human,
    /// The stable JSON report.
    Json,
}

/// Formats of the rule list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// An aligned table.
    Human,
    /// A JSON array.
    Json,
    /// The Markdown rules reference (docs/rules.md).
    Markdown,
}

/// `--fail-on` thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail on errors.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Info,
    /// Never fail because of findings.
    Never,
}

/// `--color` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}
