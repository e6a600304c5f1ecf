//! The `plimsoll` command: a thin layer over the `plimsoll` library that
//! parses flags, prints reports and chooses the exit code.

#![forbid(unsafe_code)]

mod args;

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use plimsoll::config::{CONFIG_FILE_NAME, STARTER_CONFIG};
use plimsoll::render::{human, json};
use plimsoll::rules::{explain_markdown, reference_markdown, Rule};
use plimsoll::{Config, Engine, EngineOptions, Input, Severity};
use serde_json::json;

use args::{CheckArgs, Cli, ColorChoice, Command, FailOn, Format, RulesArgs, RulesFormat};

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
        Command::Check(args) => check(args),
        Command::Rules(args) => list_rules(&args),
        Command::Explain { rule, config } => explain(&rule, config.as_deref()),
        Command::Init { force } => init(force),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "plimsoll", &mut io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_config(explicit: Option<&Path>) -> Result<Config, String> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| format!("cannot read the current directory: {e}"))?;
            Config::discover(&cwd)
        }
    };
    match path {
        Some(path) => Config::load(&path).map_err(|error| error.to_string()),
        None => Ok(Config::default()),
    }
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let config = load_config(args.config.as_deref())?;
    let options = EngineOptions {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        environment: args.env.clone(),
        jobs: args.jobs.map(usize::from),
        ..EngineOptions::default()
    };
    let rules = all_rules(&config, args.quiet)?;
    let engine = Engine::with_rules(config, options, rules).map_err(|error| error.to_string())?;
    let inputs = inputs(&args)?;
    let report = engine.check(&inputs).map_err(|error| error.to_string())?;

    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut buffer = Vec::new();
    let written = match args.format {
        Format::Human => human::render(
            &report,
            human::HumanOptions {
                color,
                quiet: args.quiet,
            },
            &mut buffer,
        ),
        Format::Json => json::render(&report, &mut buffer),
    };
    written.map_err(|error| format!("cannot render the report: {error}"))?;
    write_output(args.output.as_deref(), &buffer)?;

    let threshold = match args.fail_on {
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

fn inputs(args: &CheckArgs) -> Result<Vec<Input>, String> {
    let paths = if args.paths.is_empty() {
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
            let name = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "-".to_owned());
            let text = String::from_utf8(bytes).map_err(|error| {
                format!(
                    "stdin is not UTF-8 (invalid byte at offset {})",
                    error.utf8_error().valid_up_to()
                )
            })?;
            inputs.push(Input::Text { name, text });
        } else {
            inputs.push(Input::Path(path));
        }
    }
    Ok(inputs)
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

/// The built-in rules and the custom rules of the config's policy files;
/// notes about the policies go to stderr.
fn all_rules(config: &Config, quiet: bool) -> Result<Vec<Rule>, String> {
    let policies = plimsoll::policy::load(config).map_err(|error| error.to_string())?;
    if !quiet {
        for note in &policies.notes {
            eprintln!("note: {note}");
        }
    }
    let mut rules = plimsoll::rules::builtin();
    rules.extend(policies.rules);
    Ok(rules)
}

fn list_rules(args: &RulesArgs) -> Result<ExitCode, String> {
    let config = load_config(args.config.as_deref())?;
    let rules = all_rules(&config, false)?;
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
                text.push_str(&format!(
                    "{:width$}  {:10}  {:7}  {}\n",
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
    let config = load_config(config)?;
    let rules = all_rules(&config, false)?;
    let Some(rule) = rules.iter().find(|rule| rule.meta.id == id) else {
        return Err(format!("unknown rule `{id}`; `plimsoll rules` lists them"));
    };
    write_output(None, explain_markdown(&rule.meta).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn init(force: bool) -> Result<ExitCode, String> {
    let path = Path::new(CONFIG_FILE_NAME);
    if path.exists() && !force {
        return Err(format!(
            "{CONFIG_FILE_NAME} already exists (use --force to overwrite it)"
        ));
    }
    std::fs::write(path, STARTER_CONFIG)
        .map_err(|error| format!("cannot write {CONFIG_FILE_NAME}: {error}"))?;
    eprintln!("wrote {CONFIG_FILE_NAME}");
    Ok(ExitCode::SUCCESS)
}
