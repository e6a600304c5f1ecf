//! The `plimsoll` command: a thin layer over the `plimsoll` library that
//! parses flags, prints reports and chooses the exit code.

#![forbid(unsafe_code)]

mod args;
mod emit;
mod fixing;
mod render_tool;
mod revision;

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, Parser};
use plimsoll::baseline::Baseline;
use plimsoll::config::{CONFIG_FILE_NAME, STARTER_CONFIG};
use plimsoll::render::{matrix as matrix_render, matrix_diff as matrix_diff_render, mermaid};
use plimsoll::rules::{closest_id, explain_markdown, reference_markdown, Rule};
use plimsoll::{CheckError, Config, Engine, EngineOptions, Input, InputLimits, Progress, Report};
use serde_json::json;

use emit::{emit, Emit};

use args::{
    CheckArgs, Cli, Command, Format, MatrixArgs, MatrixFormat, PromoteArgs, RulesArgs, RulesFormat,
};

/// Loading builds many small trees on several threads at once; mimalloc
/// keeps that faster and the resident memory smaller than the system
/// allocator does (its 2.x line, chosen in Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for usage errors, unreadable config and no input.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(USAGE)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Check(args) => check(*args),
        Command::Promote(args) => promote(&args),
        Command::Matrix(args) => matrix(&args),
        Command::Rules(args) => list_rules(&args),
        Command::Explain { rule, config } => explain(&rule, config.as_deref()),
        Command::Init { force } => init(force),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "plimsoll", &mut io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Manpage => {
            let mut page = Vec::new();
            manpage(&mut page).map_err(|error| format!("cannot render the man page: {error}"))?;
            write_output(None, &page)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The man page: the command, then the synopsis and options of each
/// subcommand (`docs/plimsoll.1` is this output; a test keeps it current).
fn manpage(out: &mut dyn Write) -> io::Result<()> {
    let command = Cli::command();
    clap_mangen::Man::new(command.clone()).render(out)?;
    for sub in command.get_subcommands() {
        writeln!(out, ".SH \"PLIMSOLL {}\"", sub.get_name().to_uppercase())?;
        let sub = sub.clone().bin_name(format!("plimsoll {}", sub.get_name()));
        let man = clap_mangen::Man::new(sub);
        man.render_description_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_options_section(out)?;
    }
    out.write_all(EXIT_STATUS_ROFF.as_bytes())
}

/// The man page's exit status section (README "Exit codes").
const EXIT_STATUS_ROFF: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
No finding at or above \fB\-\-fail\-on\fR (default \fBerror\fR); for \fBcheck \-\-fix \-\-dry\-run\fR, nothing to fix.
.TP
\fB1\fR
Findings at or above \fB\-\-fail\-on\fR; for \fBcheck \-\-fix \-\-dry\-run\fR, fixes to make.
.TP
\fB2\fR
A usage error, an unreadable or invalid config, no input at all, an input over \fB\-\-max\-documents\fR or \fB\-\-max\-input\-mb\fR, a report that cannot be written, or a renderer (\fBkubectl kustomize\fR, \fBhelm\fR, \fBgit\fR) that failed. The reason is on stderr.
"#;

/// Runs with more files than this show a progress bar (on a terminal).
const PROGRESS_MIN_FILES: usize = 2000;

/// A progress bar on stderr while files load: only on a terminal, only for
/// the human format, never with `--quiet`, and only once the run turns out
/// to have more than [`PROGRESS_MIN_FILES`] files.
fn progress_bar(args: &CheckArgs) -> Option<indicatif::ProgressBar> {
    let human_on_stdout =
        emit::stdout_format(&args.format, args.output.as_deref()) == Some(Format::Human);
    if args.quiet || !human_on_stdout || !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::hidden();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} checking {pos}/{len} files {wide_bar}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// The config: `--config`, else the nearest `.plimsoll.yaml` upwards from
/// the directory of the first path given, else from the current directory.
fn load_config(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Config, String> {
    Config::for_paths(explicit, paths).map_err(|error| error.to_string())
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    emit::check_targets(&args.format, args.statistics)?;
    let config = load_config(args.config.as_deref(), &args.paths)?;
    let bar = progress_bar(&args);
    let progress = bar.clone().map(|bar| {
        Progress(Arc::new(move |done: usize, total: usize| {
            if total > PROGRESS_MIN_FILES {
                if bar.is_hidden() {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
        }) as Arc<dyn Fn(usize, usize) + Send + Sync>)
    });
    let options = EngineOptions {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        environment: args.env.clone(),
        jobs: args.jobs.map(usize::from),
        progress,
        skip_files: args
            .baseline
            .iter()
            .chain(&args.write_baseline)
            .cloned()
            .collect(),
        kubernetes_version: args.kubernetes_version.clone(),
        schema_locations: args.schema_location.clone(),
        no_schema: args.no_schema,
        input_limits: InputLimits {
            max_documents: args.max_documents,
            max_input_bytes: args.max_input_mb.saturating_mul(1024 * 1024),
        },
        whole_input: args.fix,
        // Only the human format draws the lines of findings.
        skip_source_lines: !args
            .format
            .iter()
            .any(|target| target.format == Format::Human),
        ..EngineOptions::default()
    };
    let engine = Engine::new(config, options).map_err(|error| error.to_string())?;
    print_notes(&engine, args.quiet);
    if args.explain_env {
        return explain_environments(&engine, &inputs(&args)?.0);
    }
    if args.fix && args.paths.iter().any(|path| path.as_os_str() == "-") {
        return Err("--fix edits files; it cannot fix stdin".to_owned());
    }
    let context = context_root(&args, engine.config());
    let mut report = check_once(&engine, &args, context.as_deref())?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if args.fix {
        let outcome = fixing::plan(&report);
        if args.dry_run {
            write_output(
                args.output.as_deref(),
                fixing::unified_diff(&outcome).as_bytes(),
            )?;
            if !args.quiet {
                eprintln!("{}", fixing::summary(&outcome, true));
            }
            return Ok(if outcome.changed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        fixing::write(&outcome)?;
        if !args.quiet {
            eprintln!("{}", fixing::summary(&outcome, false));
        }
        if !outcome.changed.is_empty() {
            // What is left after the fixes.
            report = check_once(&engine, &args, context.as_deref())?;
        }
    }
    let code = emit(
        &report,
        &engine,
        &Emit {
            targets: &args.format,
            output: args.output.as_deref(),
            color: args.color,
            quiet: args.quiet,
            fail_on: args.fail_on,
            show_suppressed: args.show_suppressed,
            statistics: args.statistics,
            names_config: true,
        },
    );
    // The process ends next: freeing the compiled schema validators and
    // the report one allocation at a time would cost more than a small
    // run's whole check (a pre-commit hook pays it on every commit).
    std::mem::forget(engine);
    std::mem::forget(report);
    code
}

/// One check of the working tree as the flags ask: rendered input moved
/// to its origin files, `--new-since` and the baseline applied.
fn check_once(engine: &Engine, args: &CheckArgs, context: Option<&Path>) -> Result<Report, String> {
    let mut overlays = Vec::new();
    let checked = match context {
        Some(root) => engine.check_in_context(&args.paths, root),
        None => {
            let (inputs, rendered) = inputs(args)?;
            overlays = rendered;
            engine.check(&inputs)
        }
    };
    let mut report = checked.map_err(|error| error.to_string())?;
    attach_to_origins(&mut report, &overlays);
    if let Some(revision) = &args.new_since {
        leave_out_preexisting(engine, args, context, revision, &mut report)?;
    }
    apply_baseline(args, engine, &mut report)?;
    Ok(report)
}

/// `check --explain-env`: one line per object, its environment and why.
fn explain_environments(engine: &Engine, inputs: &[Input]) -> Result<ExitCode, String> {
    let choices = engine
        .explain_environments(inputs)
        .map_err(|error| error.to_string())?;
    let mut out = io::stdout().lock();
    for choice in choices {
        let line = match (&choice.environment, &choice.placement) {
            (Some(environment), Some(placement)) => format!(
                "{}: {} is in {environment} (by {placement})",
                choice.file, choice.resource
            ),
            _ => format!(
                "{}: {} is in no environment (neither its path nor its namespace names one)",
                choice.file, choice.resource
            ),
        };
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn promote(args: &PromoteArgs) -> Result<ExitCode, String> {
    emit::check_targets(&args.format, false)?;
    let config = load_config(args.config.as_deref(), &args.paths)?;
    let options = EngineOptions {
        jobs: args.jobs.map(usize::from),
        ..EngineOptions::default()
    };
    let engine = Engine::new(config, options).map_err(|error| error.to_string())?;
    print_notes(&engine, args.quiet);
    let report = engine
        .promote(&args.from, &args.to, &path_inputs(&args.paths))
        .map_err(|error| error.to_string())?;
    emit(
        &report,
        &engine,
        &Emit {
            targets: &args.format,
            output: args.output.as_deref(),
            color: args.color,
            quiet: args.quiet,
            fail_on: args.fail_on,
            show_suppressed: args.show_suppressed,
            statistics: false,
            names_config: false,
        },
    )
}

fn matrix(args: &MatrixArgs) -> Result<ExitCode, String> {
    let config = load_config(args.config.as_deref(), &args.paths)?;
    let options = EngineOptions {
        jobs: args.jobs.map(usize::from),
        ..EngineOptions::default()
    };
    let engine = Engine::new(config, options).map_err(|error| error.to_string())?;
    print_notes(&engine, false);
    let matrix = engine
        .matrix(&path_inputs(&args.paths))
        .map_err(|error| error.to_string())?;
    if let Some(revision) = &args.diff {
        return matrix_diff(args, &engine, &matrix, revision);
    }
    let mut buffer = Vec::new();
    let written = match args.format {
        MatrixFormat::Human => matrix_render::render_human(&matrix, &mut buffer),
        MatrixFormat::Json => matrix_render::render_json(&matrix, &mut buffer),
        MatrixFormat::Markdown => matrix_render::render_markdown(&matrix, &mut buffer),
        MatrixFormat::Mermaid => {
            mermaid::render_mermaid(&matrix, engine.environments(), None, &mut buffer)
        }
    };
    written.map_err(|error| format!("cannot render the matrix: {error}"))?;
    write_output(args.output.as_deref(), &buffer)?;
    Ok(ExitCode::SUCCESS)
}

/// Paths as inputs (`.` when none is given).
/// `matrix --diff REF`: the matrix of the tree at REF, compared with
/// `after`.
fn matrix_diff(
    args: &MatrixArgs,
    engine: &Engine,
    after: &plimsoll::promotion::Matrix,
    revision: &str,
) -> Result<ExitCode, String> {
    let tree = revision::RevisionTree::export(revision)?;
    let before = tree.within(|| {
        // Paths new since the revision ran nothing there.
        let Some(paths) = paths_at_revision(&args.paths) else {
            return Ok(None);
        };
        match engine.matrix(&path_inputs(&paths)) {
            Ok(matrix) => Ok(Some(matrix)),
            Err(CheckError::NoInput) => Ok(None),
            Err(error) => Err(format!("--diff {revision}: {error}")),
        }
    })??;
    let before = before.unwrap_or_else(|| plimsoll::promotion::Matrix {
        environments: Vec::new(),
        rows: Vec::new(),
    });
    let diff = engine.matrix_diff(&before, after);
    let mut buffer = Vec::new();
    let written = match args.format {
        MatrixFormat::Human => matrix_diff_render::render_human(&diff, revision, &mut buffer),
        MatrixFormat::Json => matrix_diff_render::render_json(&diff, revision, &mut buffer),
        MatrixFormat::Markdown => matrix_diff_render::render_markdown(&diff, revision, &mut buffer),
        MatrixFormat::Mermaid => {
            mermaid::render_mermaid(after, engine.environments(), Some(&diff), &mut buffer)
        }
    };
    written.map_err(|error| format!("cannot render the changes: {error}"))?;
    write_output(args.output.as_deref(), &buffer)?;
    Ok(ExitCode::SUCCESS)
}

/// Of the paths given on the command line, those the tree at a revision
/// has (run inside it: see `RevisionTree::within`); `None` when paths were
/// given and none of them is there. No path means `.`, which always is.
fn paths_at_revision(paths: &[PathBuf]) -> Option<Vec<PathBuf>> {
    let there: Vec<PathBuf> = paths.iter().filter(|path| path.exists()).cloned().collect();
    (!there.is_empty() || paths.is_empty()).then_some(there)
}

fn path_inputs(paths: &[PathBuf]) -> Vec<Input> {
    if paths.is_empty() {
        vec![Input::Path(PathBuf::from("."))]
    } else {
        paths.iter().cloned().map(Input::Path).collect()
    }
}

/// `--new-since REF`: checks the tree at REF as the working tree was
/// checked (same engine, same paths, same context) and leaves out of
/// `report` the findings it has too, counting them.
fn leave_out_preexisting(
    engine: &Engine,
    args: &CheckArgs,
    context: Option<&Path>,
    revision: &str,
    report: &mut Report,
) -> Result<(), String> {
    if args.paths.iter().any(|path| path.as_os_str() == "-") {
        return Err("--new-since checks paths of the working tree, not stdin".to_owned());
    }
    let tree = revision::RevisionTree::export(revision)?;
    let earlier = tree.within(|| {
        // Paths new since the revision have no earlier findings.
        let Some(paths) = paths_at_revision(&args.paths) else {
            return Ok(None);
        };
        let checked = match context {
            Some(root) => engine.check_in_context(&paths, root),
            None => engine.check(&path_inputs(&paths)),
        };
        match checked {
            Ok(earlier) => Ok(Some(earlier)),
            Err(CheckError::NoInput) => Ok(None),
            Err(error) => Err(format!("--new-since {revision}: {error}")),
        }
    })??;
    if let Some(earlier) = earlier {
        Baseline::from_report(&earlier).remove_known(report);
    }
    Ok(())
}

/// `--write-baseline` records the findings (which then count as
/// baselined); `--baseline` hides the recorded ones.
fn apply_baseline(args: &CheckArgs, engine: &Engine, report: &mut Report) -> Result<(), String> {
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_report(report);
        std::fs::write(path, baseline.to_json())
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        if !args.quiet {
            eprintln!(
                "wrote {} baseline entries for {} findings to {}",
                baseline.entries.len(),
                report.findings.len(),
                path.display()
            );
        }
        baseline.apply(report, engine);
    } else if let Some(path) = &args.baseline {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read the baseline {}: {error}", path.display()))?;
        let name = path.to_string_lossy().replace('\\', "/");
        let baseline = Baseline::parse(&text, &name).map_err(|error| error.to_string())?;
        baseline.apply(report, engine);
    }
    Ok(())
}

/// The repository to read as context when every path given is a file
/// (SPEC section 2): the config file's directory, else the Git root above
/// the working directory. `None` for directories, stdin, rendered input and
/// `--no-context`.
fn context_root(args: &CheckArgs, config: &Config) -> Option<PathBuf> {
    let only_files = !args.paths.is_empty()
        && args
            .paths
            .iter()
            .all(|path| path.as_os_str() != "-" && path.is_file());
    if args.no_context || !only_files || !args.kustomize.is_empty() || args.helm.is_some() {
        return None;
    }
    let cwd = std::env::current_dir().ok()?;
    let root = match &config.path {
        Some(config_path) => std::path::absolute(config_path.parent()?).ok()?,
        None => cwd
            .ancestors()
            .find(|dir| dir.join(".git").exists())?
            .to_path_buf(),
    };
    Some(relative_to(&root, &cwd))
}

/// `path` relative to the directory `base` where one lies under the other
/// (`..`, `envs`), so that the files of a walk are named as the user names
/// them; else `path` itself.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    if let Ok(below) = path.strip_prefix(base) {
        return if below.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            below.to_path_buf()
        };
    }
    match base.strip_prefix(path) {
        Ok(above) => std::iter::repeat_n("..", above.components().count()).collect(),
        Err(_) => path.to_path_buf(),
    }
}

fn inputs(args: &CheckArgs) -> Result<(Vec<Input>, Vec<RenderedOverlay>), String> {
    let (rendered, overlays) = rendered_inputs(args)?;
    let paths = if args.paths.is_empty() && rendered.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut inputs = Vec::with_capacity(paths.len());
    let mut read_stdin = false;
    for path in paths {
        if path.as_os_str() == "-" {
            if read_stdin {
                continue;
            }
            read_stdin = true;
            let mut bytes = Vec::new();
            io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|error| format!("cannot read stdin: {error}"))?;
            // `helm template … | plimsoll check -` with a failing renderer
            // must not pass as a clean run.
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(
                    "no input: stdin is empty (did the command writing to it fail?)".to_owned(),
                );
            }
            let name = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "-".to_owned());
            inputs.push(Input::Bytes { name, bytes });
        } else {
            inputs.push(Input::Path(path));
        }
    }
    inputs.extend(rendered);
    Ok((inputs, overlays))
}

/// A rendered input kept until its findings have moved to the files its
/// objects came from.
enum RenderedOverlay {
    /// A `--kustomize` overlay rendered with origin annotations.
    Kustomize {
        name: String,
        text: String,
        wrapper: render_tool::OriginWrapper,
    },
    /// A `--helm` chart's output, whose `# Source:` comments name the
    /// chart's templates.
    Helm {
        name: String,
        text: String,
        chart: PathBuf,
    },
}

/// The output of `--kustomize` and `--helm`, each as one in-memory file
/// named by the directory or chart; the overlays rendered with origins.
fn rendered_inputs(args: &CheckArgs) -> Result<(Vec<Input>, Vec<RenderedOverlay>), String> {
    let mut inputs = Vec::new();
    let mut overlays = Vec::new();
    let path_variable = std::env::var_os("PATH");
    for dir in &args.kustomize {
        if !dir.is_dir() {
            return Err(format!("--kustomize: {} is not a directory", dir.display()));
        }
        let missing = || {
            "--kustomize: neither `kustomize` nor `kubectl` is installed (or on PATH); \
install one, or render yourself and pipe the output: `kustomize build DIR | plimsoll check -`"
                .to_owned()
        };
        let name = render_tool::attribution(&dir.to_string_lossy());
        // With origins where the renderer can give them; else plainly.
        let with_origins = render_tool::OriginWrapper::new(dir).and_then(|wrapper| {
            let invocation =
                render_tool::kustomize_invocation(wrapper.folder(), path_variable.as_deref())?;
            let text = render_tool::run(&invocation, "--kustomize").ok()?;
            Some((text, wrapper))
        });
        let text = match with_origins {
            Some((text, wrapper)) => {
                overlays.push(RenderedOverlay::Kustomize {
                    name: name.clone(),
                    text: text.clone(),
                    wrapper,
                });
                text
            }
            None => {
                let invocation = render_tool::kustomize_invocation(dir, path_variable.as_deref())
                    .ok_or_else(missing)?;
                render_tool::run(&invocation, "--kustomize")?
            }
        };
        // Bytes: a rendered stream, where every document must be a manifest.
        inputs.push(Input::Bytes {
            name,
            bytes: text.into_bytes(),
        });
    }
    if let Some(chart) = &args.helm {
        let invocation = render_tool::helm_invocation(chart, &args.helm_values, &args.helm_set);
        let text = render_tool::run(&invocation, "--helm")?;
        let name = render_tool::attribution(chart);
        overlays.push(RenderedOverlay::Helm {
            name: name.clone(),
            text: text.clone(),
            chart: PathBuf::from(chart),
        });
        inputs.push(Input::Bytes {
            name,
            bytes: text.into_bytes(),
        });
    }
    Ok((inputs, overlays))
}

/// Moves each rendered input's findings to the files its objects came
/// from, named as the user would name them.
fn attach_to_origins(report: &mut Report, overlays: &[RenderedOverlay]) {
    // Canonical, as the origin files are.
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .unwrap_or_default();
    let read = |file: &str| std::fs::read_to_string(file).ok();
    for overlay in overlays {
        match overlay {
            RenderedOverlay::Kustomize {
                name,
                text,
                wrapper,
            } => plimsoll::origins::attach_to_origins(
                report,
                name,
                text,
                |origin| {
                    let file = wrapper.resolve(origin)?;
                    Some(
                        render_tool::relative_path(&cwd, &file)
                            .to_string_lossy()
                            .replace('\\', "/"),
                    )
                },
                read,
            ),
            RenderedOverlay::Helm { name, text, chart } => {
                plimsoll::origins::attach_to_templates(
                    report,
                    name,
                    text,
                    |source| {
                        let file = render_tool::template_file(chart, source)?;
                        Some(file.to_string_lossy().replace('\\', "/"))
                    },
                    read,
                );
            }
        }
    }
}

fn write_output(output: Option<&Path>, bytes: &[u8]) -> Result<(), String> {
    match output {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|error| format!("cannot write {}: {error}", path.display())),
        None => {
            let mut stdout = io::stdout().lock();
            match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
                // A closed pipe (`plimsoll check | head`) is not an error.
                Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
                    Err(format!("cannot write the report: {error}"))
                }
                _ => Ok(()),
            }
        }
    }
}

/// What building the engine noticed (a policy glob matching no file, …),
/// on stderr.
fn print_notes(engine: &Engine, quiet: bool) {
    if !quiet {
        for note in engine.notes() {
            eprintln!("note: {note}");
        }
    }
}

/// The rules `rules` and `explain` describe: the built-in ones and those of
/// the config's policy files, as the engine would have them.
fn all_rules(config: Config) -> Result<Vec<Rule>, String> {
    let engine =
        Engine::new(config, EngineOptions::default()).map_err(|error| error.to_string())?;
    print_notes(&engine, false);
    Ok(engine.rules().to_vec())
}

fn list_rules(args: &RulesArgs) -> Result<ExitCode, String> {
    let config = load_config(args.config.as_deref(), &[])?;
    let rules = all_rules(config)?;
    let text = match args.format {
        RulesFormat::Markdown => reference_markdown(&rules),
        RulesFormat::Json => {
            let list: Vec<_> = rules
                .iter()
                .map(|rule| {
                    json!({
                        "id": rule.meta.id,
                        "category": rule.meta.category,
                        "severity": rule.meta.default_severity,
                        "summary": rule.meta.summary,
                        "fix": rule.autofix,
                    })
                })
                .collect();
            let mut text =
                serde_json::to_string_pretty(&list).map_err(|error| error.to_string())?;
            text.push('\n');
            text
        }
        RulesFormat::Human => {
            let width = rules
                .iter()
                .map(|rule| rule.meta.id.len())
                .max()
                .unwrap_or(0);
            let mut text = String::new();
            for rule in &rules {
                let fixable = if rule.autofix.is_some() {
                    " [--fix]"
                } else {
                    ""
                };
                text.push_str(&format!(
                    "{:width$}  {:10}  {:7}  {}{fixable}\n",
                    rule.meta.id,
                    rule.meta.category.as_str(),
                    rule.meta.default_severity.as_str(),
                    rule.meta.summary,
                ));
            }
            text
        }
    };
    write_output(None, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn explain(id: &str, config: Option<&Path>) -> Result<ExitCode, String> {
    let config = load_config(config, &[])?;
    let rules = all_rules(config)?;
    let Some(rule) = rules.iter().find(|rule| rule.meta.id == id) else {
        let hint = closest_id(id, rules.iter().map(Rule::id))
            .map(|candidate| format!(" (did you mean `{candidate}`?)"))
            .unwrap_or_default();
        return Err(format!(
            "unknown rule `{id}`{hint}; `plimsoll rules` lists them"
        ));
    };
    write_output(None, explain_markdown(rule).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The starter config for the repository at `root`: an `exclude:` glob
/// whose folder the repository does not have is left commented out, so
/// that every path the config names exists.
fn starter_config(root: &Path) -> String {
    let mut config = String::with_capacity(STARTER_CONFIG.len());
    for line in STARTER_CONFIG.lines() {
        let missing_folder = line
            .strip_prefix("exclude: [\"")
            .and_then(|glob| glob.split('/').next())
            .is_some_and(|folder| !root.join(folder).is_dir());
        if missing_folder {
            config.push_str("# ");
        }
        config.push_str(line);
        config.push('\n');
    }
    config
}

fn init(force: bool) -> Result<ExitCode, String> {
    let path = Path::new(CONFIG_FILE_NAME);
    if path.exists() && !force {
        return Err(format!(
            "{CONFIG_FILE_NAME} already exists (use --force to overwrite it)"
        ));
    }
    std::fs::write(path, starter_config(Path::new(".")))
        .map_err(|error| format!("cannot write {CONFIG_FILE_NAME}: {error}"))?;
    eprintln!("wrote {CONFIG_FILE_NAME}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn the_starter_config_names_only_folders_the_repository_has() {
        let repository = tempfile::tempdir().unwrap();
        let config = super::starter_config(repository.path());
        assert!(config.contains("\n# exclude: [\"charts/**/templates/**\"]"));
        std::fs::create_dir(repository.path().join("charts")).unwrap();
        let config = super::starter_config(repository.path());
        assert!(config.contains("\nexclude: [\"charts/**/templates/**\"]"));
    }
}
