//! Every rule's fixtures under `testdata/rules/<rule-id>/`.
//!
//! - `fail*.yaml` / `fail*.json` (or a `fail*/` directory of files checked
//!   together) must give at least one finding of that rule, and only of it;
//! - `pass*` fixtures must give none;
//! - a `.plimsoll.yaml` in the rule's folder configures both;
//! - a `baseline.json` at the top of a fixture directory is not an input
//!   but a baseline applied to the report (for `baseline-stale`).
//!
//! A fixture directory may hold its own `.plimsoll.yaml` (it replaces the
//! rule folder's) and, for the promotion rules, a `PROMOTE` file naming the
//! two environments (`staging prod`): the fixture is then checked with
//! `Engine::promote` instead of `Engine::check`, and a `SELECT` file naming
//! more rules to run (for `unused-suppression`, which judges the ignores of
//! rules that ran). Hidden files and `CODEOWNERS` files of a fixture
//! directory are not inputs.
//!
//! Only the rule under test runs. Files are checked under their path
//! relative to the fixture, so a file `fail-x/envs/prod/x.yaml` belongs to
//! prod. A failing fixture's findings are snapshotted twice: as JSON and as
//! the human report renders them; a passing fixture asserts that it has
//! none.
//!
//! Each fixture is its own test case, named `<rule-id>/<fixture>` (this
//! file is a test harness of its own: `cargo test --test rule_fixtures
//! image-digest/` runs one rule's).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use plimsoll::baseline::Baseline;
use plimsoll::render::{human, json};
use plimsoll::{Config, Engine, EngineOptions, Input, Report};

fn main() {
    let arguments = Arguments::from_args();
    let mut trials = fixture_trials();
    trials.push(Trial::test(
        "every_rule_has_failing_and_passing_fixtures",
        every_rule_has_failing_and_passing_fixtures,
    ));
    trials.push(Trial::test(
        "rule_examples_fail_and_pass",
        rule_examples_fail_and_pass,
    ));
    libtest_mimic::run(&arguments, trials).exit();
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/rules")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    entries
}

/// The files of a fixture as in-memory inputs named relative to `base`.
fn fixture_inputs(fixture: &Path, base: &Path) -> Vec<Input> {
    let mut inputs = Vec::new();
    if fixture.is_dir() {
        for entry in sorted_entries(fixture) {
            let name = entry.file_name().unwrap().to_string_lossy().into_owned();
            // Hidden files (`.plimsoll.yaml`, `.github/`), PROMOTE,
            // SELECT, CODEOWNERS and a top-level baseline.json configure
            // the fixture; they are not inputs.
            let configures = name.starts_with('.')
                || name == "PROMOTE"
                || name == "SELECT"
                || name == "CODEOWNERS"
                || (fixture == base && name == "baseline.json");
            if configures {
                continue;
            }
            inputs.extend(fixture_inputs(&entry, base));
        }
    } else {
        let name = fixture
            .strip_prefix(base)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(fixture).unwrap();
        inputs.push(Input::Bytes { name, bytes });
    }
    inputs
}

fn checked(engine: &Engine, inputs: &[Input], baseline: Option<&Path>) -> Report {
    let mut report = engine.check(inputs).unwrap();
    if let Some(path) = baseline {
        let text = std::fs::read_to_string(path).unwrap();
        Baseline::parse(&text, "baseline.json")
            .unwrap()
            .apply(&mut report, engine);
    }
    report
}

/// Paths under the rules folder are named from it, whatever the
/// checkout's absolute path (a related place in a fixture's config).
fn portable(text: String) -> String {
    text.replace(&format!("{}/", testdata().display()), "")
}

fn report_json(report: &Report) -> serde_json::Value {
    let mut out = Vec::new();
    json::render(report, &mut out).unwrap();
    let value: serde_json::Value =
        serde_json::from_str(&portable(String::from_utf8(out).unwrap())).unwrap();
    value["findings"].clone()
}

fn report_human(report: &Report) -> String {
    let mut out = Vec::new();
    human::render(report, human::HumanOptions::default(), &mut out).unwrap();
    portable(String::from_utf8(out).unwrap())
}

/// One test case per fixture of every rule folder.
fn fixture_trials() -> Vec<Trial> {
    let known: Vec<String> = plimsoll::rules::builtin()
        .iter()
        .map(|rule| rule.id().to_owned())
        .collect();
    let mut trials = Vec::new();
    for rule_dir in sorted_entries(&testdata()) {
        let id = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        if !known.contains(&id) {
            trials.push(Trial::test(format!("{id}/names-a-rule"), move || {
                Err(format!("testdata/rules/{id} names no rule").into())
            }));
            continue;
        }
        for fixture in sorted_entries(&rule_dir) {
            let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.starts_with("fail") || name.starts_with("pass")) {
                continue;
            }
            let id = id.clone();
            let rule_dir = rule_dir.clone();
            trials.push(Trial::test(format!("{id}/{name}"), move || {
                check_fixture(&id, &rule_dir, &fixture)
            }));
        }
    }
    trials
}

/// Checks one fixture: a failing one reports only its rule (snapshots of
/// the JSON findings and of the human report), a passing one nothing.
fn check_fixture(id: &str, rule_dir: &Path, fixture: &Path) -> Result<(), Failed> {
    let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
    let own_config = fixture.join(".plimsoll.yaml");
    let rule_config = rule_dir.join(".plimsoll.yaml");
    let config = if own_config.is_file() {
        Config::load(&own_config).unwrap()
    } else if rule_config.is_file() {
        Config::load(&rule_config).unwrap()
    } else {
        Config::default()
    };
    let base = if fixture.is_dir() { fixture } else { rule_dir };
    let inputs = fixture_inputs(fixture, base);
    let mut select = vec![id.to_owned()];
    let also = fixture.join("SELECT");
    if also.is_file() {
        let text = std::fs::read_to_string(&also).unwrap();
        select.extend(text.split_whitespace().map(str::to_owned));
    }
    let promote = fixture.join("PROMOTE");
    let baseline = fixture.join("baseline.json");
    let baseline = baseline.is_file().then_some(baseline);
    if let Some(path) = &baseline {
        // The rules the baseline names run too: a baseline entry is only
        // stale when its rule ran.
        let text = std::fs::read_to_string(path).unwrap();
        select.extend(
            Baseline::parse(&text, "baseline.json")
                .unwrap()
                .entries
                .into_iter()
                .map(|entry| entry.rule),
        );
    }
    let options = EngineOptions {
        select,
        ..EngineOptions::default()
    };
    let engine = Engine::new(config, options).unwrap();
    let report = if promote.is_file() {
        let text = std::fs::read_to_string(&promote).unwrap();
        let (from, to) = text.trim().split_once(' ').unwrap();
        engine.promote(from, to, &inputs).unwrap()
    } else {
        checked(&engine, &inputs, baseline.as_deref())
    };
    let findings = report_json(&report);
    let list = findings.as_array().unwrap();
    if name.starts_with("pass") {
        return if list.is_empty() {
            Ok(())
        } else {
            Err(format!("expected no findings, got {findings:#}").into())
        };
    }
    if list.is_empty() {
        return Err("expected findings, got none".into());
    }
    if let Some(other) = list.iter().find(|finding| finding["rule"] != id) {
        return Err(format!("another rule reported: {other:#}").into());
    }
    let stem = name.split('.').next().unwrap().to_owned();
    insta::assert_json_snapshot!(format!("{id}__{stem}"), findings);
    insta::assert_snapshot!(format!("{id}__{stem}__human"), report_human(&report));
    Ok(())
}

fn every_rule_has_failing_and_passing_fixtures() -> Result<(), Failed> {
    for rule in plimsoll::rules::builtin() {
        let dir = testdata().join(rule.id());
        assert!(dir.is_dir(), "testdata/rules/{} is missing", rule.id());
        let names: Vec<String> = sorted_entries(&dir)
            .iter()
            .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("fail")),
            "{}: no failing fixture",
            rule.id()
        );
        assert!(
            names.iter().any(|n| n.starts_with("pass")),
            "{}: no passing fixture",
            rule.id()
        );
    }
    Ok(())
}

/// The examples in each rule's metadata (shown by `plimsoll explain`) behave
/// as they claim, with the rule folder's `.plimsoll.yaml` when it has one.
fn rule_examples_fail_and_pass() -> Result<(), Failed> {
    for rule in plimsoll::rules::builtin() {
        let meta = &rule.meta;
        if meta.bad.is_empty() && meta.good.is_empty() {
            // Rules about files rather than text (input-read,
            // unrendered-template) are covered by their fixtures.
            continue;
        }
        let options = EngineOptions {
            select: vec![meta.id.to_string()],
            ..EngineOptions::default()
        };
        // Rules that are off or idle until configured (image-registry, a
        // replica floor, required services) run their examples with the
        // configuration of their fixture folder.
        let config_path = testdata().join(meta.id.as_ref()).join(".plimsoll.yaml");
        let config = if config_path.is_file() {
            Config::load(&config_path).unwrap()
        } else {
            Config::default()
        };
        let engine = Engine::new(config, options).unwrap();
        let run = |text: &str| {
            report_json(&checked(
                &engine,
                &[Input::Text {
                    name: "example.yaml".into(),
                    text: text.into(),
                }],
                None,
            ))
        };
        let bad = run(&meta.bad);
        assert!(
            !bad.as_array().unwrap().is_empty(),
            "{}: bad example not reported",
            meta.id
        );
        let good = run(&meta.good);
        assert!(
            good.as_array().unwrap().is_empty(),
            "{}: good example reported: {good:#}",
            meta.id
        );
    }
    Ok(())
}
