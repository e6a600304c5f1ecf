//! Custom policies: the cases under `testdata/policies/cases/` and the load
//! errors under `testdata/policies/errors/`.
//!
//! A case folder holds a `.plimsoll.yaml` (whose `policies:` globs name the
//! policy files of the case), and `fail*` / `pass*` fixtures (files, or
//! folders of files checked together under their relative path, so that
//! `fail/envs/prod/x.yaml` is in prod). Only the custom rules run: a `fail`
//! fixture must give findings, all of custom rules; a `pass` fixture none.
//! Each file under `errors/` is a policy file that must not load; the error
//! (file, line, column, key, message) is snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use plimsoll::render::json;
use plimsoll::{Config, Engine, EngineOptions, Input};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/policies")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    entries
}

fn fixture_inputs(fixture: &Path, base: &Path) -> Vec<Input> {
    let mut inputs = Vec::new();
    if fixture.is_dir() {
        for entry in sorted_entries(fixture) {
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

/// An engine running the case's custom rules only.
fn case_engine(case: &Path) -> (Engine, Vec<String>) {
    let config = Config::load(&case.join(".plimsoll.yaml")).unwrap();
    let policies = plimsoll::policy::load(&config).unwrap();
    let custom: Vec<String> = policies
        .rules
        .iter()
        .map(|rule| rule.id().to_owned())
        .collect();
    let mut rules = plimsoll::rules::builtin();
    rules.extend(policies.rules);
    let options = EngineOptions {
        select: custom.clone(),
        ..EngineOptions::default()
    };
    (
        Engine::with_rules(config, options, rules).unwrap(),
        policies.notes,
    )
}

fn findings(engine: &Engine, inputs: &[Input]) -> serde_json::Value {
    let report = engine.check(inputs).unwrap();
    let mut out = Vec::new();
    json::render(&report, &mut out).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    value["findings"].clone()
}

#[test]
fn every_policy_case_reports_as_expected() {
    let builtin: Vec<String> = plimsoll::rules::builtin()
        .iter()
        .map(|rule| rule.id().to_owned())
        .collect();
    let mut checked = 0;
    for case in sorted_entries(&testdata().join("cases")) {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let (engine, notes) = case_engine(&case);
        let prefix = case.to_string_lossy().into_owned();
        let notes: Vec<String> = notes
            .iter()
            .map(|note| note.replace(&prefix, "<case>"))
            .collect();
        // No notes is asserted by the absence of a snapshot (an empty one
        // would be a `[]` file; CI rejects snapshots no test reads).
        if !notes.is_empty() {
            insta::assert_json_snapshot!(format!("{name}__notes"), notes);
        }
        let mut kinds = (false, false);
        for fixture in sorted_entries(&case) {
            let fixture_name = fixture.file_name().unwrap().to_string_lossy().into_owned();
            let expect_findings = if fixture_name.starts_with("fail") {
                kinds.0 = true;
                true
            } else if fixture_name.starts_with("pass") {
                kinds.1 = true;
                false
            } else {
                continue;
            };
            let base = if fixture.is_dir() { &fixture } else { &case };
            let found = findings(&engine, &fixture_inputs(&fixture, base));
            let list = found.as_array().unwrap();
            if expect_findings {
                assert!(!list.is_empty(), "{name}/{fixture_name}: expected findings");
                for finding in list {
                    let rule = finding["rule"].as_str().unwrap();
                    assert!(
                        !builtin.iter().any(|id| id == rule),
                        "{name}/{fixture_name}: built-in rule {rule} reported"
                    );
                }
                let stem = fixture_name.split('.').next().unwrap().to_owned();
                insta::assert_json_snapshot!(format!("{name}__{stem}"), found);
            } else {
                assert!(list.is_empty(), "{name}/{fixture_name}: {found:#}");
            }
            checked += 1;
        }
        assert!(kinds.0 && kinds.1, "{name}: needs fail and pass fixtures");
    }
    assert!(checked > 0);
}

#[test]
fn invalid_policy_files_are_config_errors() {
    let mut checked = 0;
    for file in sorted_entries(&testdata().join("errors")) {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let display = PathBuf::from(format!("policies/{name}.yaml"));
        let error = plimsoll::policy::from_yaml(&Config::default(), &text, &display)
            .err()
            .unwrap_or_else(|| panic!("{name}: loaded without error"));
        assert_eq!(error.file, display);
        insta::assert_snapshot!(format!("error__{name}"), error.to_string());
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn custom_rules_are_configured_and_suppressed_like_builtin_ones() {
    let case = testdata().join("cases/match-environment");
    let fixture = case.join("fail");
    let inputs = fixture_inputs(&fixture, &fixture);
    let run = |config_text: &str, ignore: Vec<String>| {
        let config = Config::from_yaml(
            &format!("policies: [\"policies/*.yaml\"]\n{config_text}"),
            &case.join(".plimsoll.yaml"),
        )
        .unwrap();
        let options = EngineOptions {
            select: vec!["prod-three-replicas".to_owned()],
            ignore,
            ..EngineOptions::default()
        };
        let engine = Engine::new(config, options).unwrap();
        engine.check(&inputs).unwrap()
    };
    let report = run("", Vec::new());
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].severity, plimsoll::Severity::Error);
    let report = run("rules: {prod-three-replicas: warning}\n", Vec::new());
    assert_eq!(report.findings[0].severity, plimsoll::Severity::Warning);
    assert!(run("rules: {prod-three-replicas: off}\n", Vec::new())
        .findings
        .is_empty());
    assert!(run("", vec!["prod-three-replicas".to_owned()])
        .findings
        .is_empty());
    // an unknown id under `rules:` is still an error, a known custom id is not
    let config = Config::from_yaml(
        "policies: [\"policies/*.yaml\"]\nrules: {prod-three-replica: off}\n",
        &case.join(".plimsoll.yaml"),
    )
    .unwrap();
    let error = Engine::new(config, EngineOptions::default()).err().unwrap();
    assert!(error
        .to_string()
        .contains("did you mean `prod-three-replicas`"));

    // suppression comment on the offending line
    let text = std::fs::read_to_string(fixture.join("envs/prod/api.yaml"))
        .unwrap()
        .replace(
            "replicas: 2",
            "replicas: 2 # plimsoll: ignore[prod-three-replicas] canary",
        );
    let config = Config::load(&case.join(".plimsoll.yaml")).unwrap();
    let engine = Engine::new(config, EngineOptions::default()).unwrap();
    let report = engine
        .check(&[Input::Text {
            name: "envs/prod/api.yaml".into(),
            text,
        }])
        .unwrap();
    assert!(report
        .findings
        .iter()
        .all(|finding| finding.rule != "prod-three-replicas"));
    assert_eq!(report.summary.suppressed, 1);
}

/// The worked example of docs/custom-rules.md (the README's "Writing your
/// own rules") reports what the page shows.
#[test]
fn the_documented_example_holds() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/custom-rules.md"),
    )
    .unwrap();
    let blocks: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    let policy = blocks[0];
    assert!(blocks[1].starts_with("policies:"));
    let config = Config::default();
    let policies =
        plimsoll::policy::from_yaml(&config, policy, Path::new("policies/prod.yaml")).unwrap();
    let mut rules = plimsoll::rules::builtin();
    rules.extend(policies.rules);
    let options = EngineOptions {
        select: vec!["prod-three-replicas".into(), "prod-memory-ceiling".into()],
        ..EngineOptions::default()
    };
    let engine = Engine::with_rules(config, options, rules).unwrap();
    let manifest = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-gateway-prod
  namespace: meetinity-prod
  labels: {app.kubernetes.io/name: api-gateway}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/meetinity/api-gateway:1.4.0
          resources: {limits: {memory: 6Gi}}
";
    let report = engine
        .check(&[Input::Text {
            name: "envs/prod/api-gateway.yaml".into(),
            text: manifest.into(),
        }])
        .unwrap();
    let shown: Vec<(String, u32, u32, String)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.to_string(),
                f.span.start.line,
                f.span.start.column,
                f.message.clone(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            (
                "prod-three-replicas".into(),
                8,
                13,
                "api-gateway-prod runs 2 replica(s); prod runs at least 3".into()
            ),
            (
                "prod-memory-ceiling".into(),
                12,
                9,
                "keep memory limits at or under 4Gi".into()
            ),
        ]
    );
    for (rule, line, column, message) in &shown {
        assert!(doc.contains(&format!("[{rule}]: {message}")));
        assert!(doc.contains(&format!("envs/prod/api-gateway.yaml:{line}:{column}")));
    }
}
