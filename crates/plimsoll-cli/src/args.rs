//! Command-line flags, defined once: help, completions and parsing all come
//! from these types.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Policy linter and manifest validator for Kubernetes config repositories.
#[derive(Debug, Parser)]
#[command(
    name = "plimsoll",
    bin_name = "plimsoll",
    version,
    about,
    arg_required_else_help = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint and validate manifests (files, directories, or `-` for stdin).
    Check(Box<CheckArgs>),
    /// Check that promoting one environment to another is allowed and that
    /// the target runs only images the source runs.
    Promote(PromoteArgs),
    /// Table of service × environment → image tag and digest, drift marked.
    Matrix(MatrixArgs),
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
    /// Print the man page (roff), as installed from docs/plimsoll.1.
    Manpage,
}

/// Flags of `plimsoll check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files and directories to check; `-` reads stdin. Default: `.`.
    pub paths: Vec<PathBuf>,
    /// Put every document in this environment.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Config file (default: the nearest `.plimsoll.yaml` upwards from the
    /// first path given, else from the current directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report format: human, concise, json, sarif, junit or github. Repeatable, for
    /// several reports from one check: `FORMAT:FILE` writes that report to
    /// FILE (`--format sarif:plimsoll.sarif --format github`); at most one
    /// format goes without a file, to `--output` or stdout. The github
    /// format also appends a summary to `$GITHUB_STEP_SUMMARY` when set.
    #[arg(long, value_name = "FORMAT[:FILE]", default_value = "human", value_parser = parse_report_target)]
    pub format: Vec<ReportTarget>,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print how many findings each rule reported instead of the findings
    /// (human and concise: a table; json: an array).
    #[arg(long)]
    pub statistics: bool,
    /// Also list suppressed and baselined findings: JSON gains a
    /// `suppressed` list, SARIF keeps baselined findings as suppressed
    /// results (findings suppressed in the source are always there).
    #[arg(long)]
    pub show_suppressed: bool,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub ignore: Vec<String>,
    /// Kubernetes version for schemas and deprecations: `1.31` or `1.31.0`
    /// (default: the config's `kubernetesVersion`, else the newest bundled).
    #[arg(long, value_name = "X.Y")]
    pub kubernetes_version: Option<String>,
    /// More schemas: a folder, a `.json` file, or a kubeconform path template
    /// such as `schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json` (repeatable;
    /// never a URL).
    #[arg(long, value_name = "DIR|FILE|TEMPLATE")]
    pub schema_location: Vec<String>,
    /// Skip schema validation (turns off `schema` and `schema-missing`).
    #[arg(long)]
    pub no_schema: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Stop with exit code 2 when the input holds more documents than this
    /// (every object stays in memory until the cross-object rules run).
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_documents: usize,
    /// Stop with exit code 2 when the input is larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = 2048)]
    pub max_input_mb: u64,
    /// The file name to report stdin under (and to resolve its environment).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Print the environment of every object of the input and what placed
    /// it there (a directory, a file name, the namespace), instead of
    /// checking.
    #[arg(long)]
    pub explain_env: bool,
    /// Check the given files alone. By default, when every path is a file
    /// inside a repository (the pre-commit case), the rest of the
    /// repository (the config file's directory, else the Git root) is read
    /// as context for the cross-object rules, and only the given files are
    /// reported on.
    #[arg(long)]
    pub no_context: bool,
    /// Report only the findings that the tree at this Git revision (a
    /// commit, tag or branch such as `origin/main`) does not have, matched
    /// by baseline fingerprint: what a pull request adds. The tree is read
    /// with `git archive`, without touching the worktree or fetching.
    #[arg(long, value_name = "REF", conflicts_with_all = ["kustomize", "helm", "explain_env"])]
    pub new_since: Option<String>,
    /// Apply the safe fixes that rules offer (listed by `plimsoll rules`),
    /// editing only the values involved and keeping comments and layout,
    /// then check again and report what is left. Never applied to
    /// stdin, `--kustomize`/`--helm` output or rendered Helm output
    /// (fix the template).
    #[arg(long, conflicts_with_all = ["kustomize", "helm", "explain_env"])]
    pub fix: bool,
    /// With `--fix`: print the fixes as a unified diff instead of writing
    /// them; exit 1 when there is any.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print findings only: no summary line, no progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Hide the findings recorded in this baseline file; report entries
    /// that match nothing any more as `baseline-stale`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file (and report them as
    /// baselined, so the run passes).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Render this Kustomize directory (`kustomize build`, else `kubectl
    /// kustomize`) and check the output, reported under DIR. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub kustomize: Vec<PathBuf>,
    /// Render this Helm chart (`helm template CHART`) and check the output,
    /// reported under CHART.
    #[arg(long, value_name = "CHART")]
    pub helm: Option<String>,
    /// Values file for `--helm` (repeatable, in order).
    #[arg(long = "values", short = 'f', value_name = "FILE", requires = "helm")]
    pub helm_values: Vec<PathBuf>,
    /// `--set key=value` for `--helm` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", requires = "helm")]
    pub helm_set: Vec<String>,
}

/// Flags of `plimsoll promote`.
#[derive(Debug, clap::Args)]
pub struct PromoteArgs {
    /// The environment promoted from (name or alias).
    #[arg(long, value_name = "ENV")]
    pub from: String,
    /// The environment promoted to (name or alias).
    #[arg(long, value_name = "ENV")]
    pub to: String,
    /// Files and directories to read. Default: `.`.
    pub paths: Vec<PathBuf>,
    /// Config file (default: the nearest `.plimsoll.yaml` upwards from the
    /// first path given, else from the current directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report format: human, concise, json, sarif, junit or github. Repeatable, for
    /// several reports from one check: `FORMAT:FILE` writes that report to
    /// FILE (`--format sarif:plimsoll.sarif --format github`); at most one
    /// format goes without a file, to `--output` or stdout. The github
    /// format also appends a summary to `$GITHUB_STEP_SUMMARY` when set.
    #[arg(long, value_name = "FORMAT[:FILE]", default_value = "human", value_parser = parse_report_target)]
    pub format: Vec<ReportTarget>,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also list suppressed and baselined findings: JSON gains a
    /// `suppressed` list, SARIF keeps baselined findings as suppressed
    /// results (findings suppressed in the source are always there).
    #[arg(long)]
    pub show_suppressed: bool,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print findings only: no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Flags of `plimsoll matrix`.
#[derive(Debug, clap::Args)]
pub struct MatrixArgs {
    /// Files and directories to read. Default: `.`.
    pub paths: Vec<PathBuf>,
    /// Config file (default: the nearest `.plimsoll.yaml` upwards from the
    /// first path given, else from the current directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MatrixFormat::Human)]
    pub format: MatrixFormat,
    /// Write the table to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Show what changed since this Git revision (a commit, tag or branch
    /// such as `origin/main`): per service and environment, the image
    /// before and after, marked "already running in" or "not validated in"
    /// the environment promoting to it.
    #[arg(long, value_name = "REF")]
    pub diff: Option<String>,
}

/// Formats of the image matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// A table that fits 100 columns.
    Human,
    /// JSON: services, environments, images, drift.
    Json,
    /// A Markdown table for a pull request comment.
    Markdown,
    /// A Mermaid flowchart of the promotion path with each environment's
    /// images (drift and, with `--diff`, unvalidated changes marked).
    Mermaid,
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
    /// One line per finding: `file:line:col: severity[rule] message`.
    Concise,
    /// The stable JSON report.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML, for GitLab, Jenkins and other CI test reports.
    Junit,
    /// GitHub Actions workflow commands (pull-request annotations).
    Github,
}

/// A report to write: its format and, unless it goes to `--output` or
/// stdout, its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    /// The format.
    pub format: Format,
    /// Where it goes (`None`: `--output`, else stdout).
    pub file: Option<PathBuf>,
}

/// Parses `FORMAT` or `FORMAT:FILE` (split at the first colon, so a file
/// such as `C:\\report.sarif` keeps its own).
fn parse_report_target(text: &str) -> Result<ReportTarget, String> {
    let (name, file) = match text.split_once(':') {
        Some((name, file)) if !file.is_empty() => (name, Some(PathBuf::from(file))),
        Some((name, _)) => return Err(format!("`{name}:` names no file")),
        None => (text, None),
    };
    let format = <Format as ValueEnum>::from_str(name, true).map_err(|_| {
        let known: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|format| format.to_possible_value())
            .map(|value| value.get_name().to_owned())
            .collect();
        format!("unknown format `{name}` (one of {})", known.join(", "))
    })?;
    Ok(ReportTarget { format, file })
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
    /// Colour on a terminal, unless `NO_COLOR` is set, `CLICOLOR=0` or
    /// `TERM=dumb`; `CLICOLOR_FORCE=1` colours even when piped.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}
