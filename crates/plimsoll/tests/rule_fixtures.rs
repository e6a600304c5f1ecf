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
//! `Engine::promote` instead of `Engine::check`. Hidden files and
//! `CODEOWNERS` files of a fixture directory are not inputs.
//!
//! Only the rule under test runs. Files are checked under their path
//! relative to the fixture, so a file `fail-x/envs/prod/x.yaml` belongs to
//! prod. The findings of every fixture are snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use plimsoll::baseline::Baseline;
use plimsoll::render::json;
use plimsoll::{Config, Engine, EngineOptions, Input};

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
            // CODEOWNERS and a top-level baseline.json configure the
            // fixture; they are not inputs.
            let configures = name.starts_with('.')
                || name == "PROMOTE"
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

fn findings_json(engine: &Engine, inputs: &[Input], baseline: Option<&Path>) -> serde_json::Value {
    let mut report = engine.check(inputs).unwrap();
    if let Some(path) = baseline {
        let text = std::fs::read_to_string(path).unwrap();
        Baseline::parse(&text, "baseline.json")
            .unwrap()
            .apply(&mut report, engine);
    }
    report_json(&report)
}

fn report_json(report: &plimsoll::Report) -> serde_json::Value {
    let mut out = Vec::new();
    json::render(report, &mut out).unwrap();
    // A related place in a fixture's config is named from the rules folder,
    // whatever the checkout's absolute path.
    let text = String::from_utf8(out)
        .unwrap()
        .replace(&format!("{}/", testdata().display()), "");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["findings"].clone()
}

#[test]
fn every_rule_fixture_reports_as_expected() {
    let known: Vec<String> = plimsoll::rules::builtin()
        .iter()
        .map(|rule| rule.id().to_owned())
        .collect();
    let mut checked = 0;
    for rule_dir in sorted_entries(&testdata()) {
        let id = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(known.contains(&id), "testdata/rules/{id} names no rule");
        let config_path = rule_dir.join(".plimsoll.yaml");
        let config = if config_path.is_file() {
            Config::load(&config_path).unwrap()
        } else {
            Config::default()
        };
        let options = EngineOptions {
            select: vec![id.clone()],
            ..EngineOptions::default()
        };
        let engine = Engine::new(config, options.clone()).unwrap();
        for fixture in sorted_entries(&rule_dir) {
            let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
            let expect_findings = if name.starts_with("fail") {
                true
            } else if name.starts_with("pass") {
                false
            } else {
                continue;
            };
            let base = if fixture.is_dir() {
                &fixture
            } else {
                &rule_dir
            };
            let own_config = fixture.join(".plimsoll.yaml");
            let own_engine = own_config
                .is_file()
                .then(|| Engine::new(Config::load(&own_config).unwrap(), options.clone()).unwrap());
            let engine = own_engine.as_ref().unwrap_or(&engine);
            let inputs = fixture_inputs(&fixture, base);
            let promote = fixture.join("PROMOTE");
            let findings = if promote.is_file() {
                let text = std::fs::read_to_string(&promote).unwrap();
                let (from, to) = text.trim().split_once(' ').unwrap();
                report_json(&engine.promote(from, to, &inputs).unwrap())
            } else if fixture.join("baseline.json").is_file() {
                let baseline = fixture.join("baseline.json");
                // The rules the baseline names run too: a baseline entry is
                // only stale when its rule ran.
                let text = std::fs::read_to_string(&baseline).unwrap();
                let mut select = vec![id.clone()];
                select.extend(
                    Baseline::parse(&text, "baseline.json")
                        .unwrap()
                        .entries
                        .into_iter()
                        .map(|entry| entry.rule),
                );
                let options = EngineOptions {
                    select,
                    ..EngineOptions::default()
                };
                let engine = Engine::new(engine.config().clone(), options).unwrap();
                findings_json(&engine, &inputs, Some(&baseline))
            } else {
                findings_json(engine, &inputs, None)
            };
            let count = findings.as_array().unwrap().len();
            if expect_findings {
                assert!(count > 0, "{id}/{name}: expected findings, got none");
                for finding in findings.as_array().unwrap() {
                    assert_eq!(finding["rule"], id.as_str(), "{id}/{name}");
                }
            } else {
                assert_eq!(
                    count, 0,
                    "{id}/{name}: expected no findings, got {findings:#}"
                );
            }
            let stem = name.split('.').next().unwrap().to_owned();
            insta::assert_json_snapshot!(format!("{id}__{stem}"), findings);
            checked += 1;
        }
    }
    assert!(checked > 0, "no fixtures found under testdata/rules");
}

#[test]
fn every_rule_has_failing_and_passing_fixtures() {
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
}

/// The examples in each rule's metadata (shown by `plimsoll explain`) behave
/// as they claim, with the rule folder's `.plimsoll.yaml` when it has one.
#[test]
fn rule_examples_fail_and_pass() {
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
            findings_json(
                &engine,
                &[Input::Text {
                    name: "example.yaml".into(),
                    text: text.into(),
                }],
                None,
            )
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
}
