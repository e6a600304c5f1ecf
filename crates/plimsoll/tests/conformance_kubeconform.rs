//! Every row of `testdata/conformance/kubeconform/EXPECTED.md`: kubeconform's
//! own fixtures, checked with
//! `--select schema,schema-missing,manifest-shape,yaml-duplicate-key,duplicate-resource`
//! and the default (newest bundled) Kubernetes version.
//!
//! Each row asserts the exit verdict (any error finding means exit 1) and
//! the exact rules of the findings, with their counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use plimsoll::{Config, Engine, EngineOptions, Input, Report, Severity};

const SELECT: &[&str] = &[
    "schema",
    "schema-missing",
    "manifest-shape",
    "yaml-duplicate-key",
    "duplicate-resource",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/conformance/kubeconform/fixtures")
}

fn check(files: &[&str], locations: &[String]) -> Report {
    let options = EngineOptions {
        select: SELECT.iter().map(|s| (*s).to_owned()).collect(),
        schema_locations: locations.to_vec(),
        ..EngineOptions::default()
    };
    let engine = Engine::new(Config::default(), options).unwrap();
    let inputs: Vec<Input> = files
        .iter()
        .map(|file| Input::Path(fixtures().join(file)))
        .collect();
    engine.check(&inputs).unwrap()
}

fn rules(report: &Report) -> Vec<&str> {
    let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_ref()).collect();
    rules.sort_unstable();
    rules
}

/// (files, exit 1?, rules of the findings, sorted).
const ROWS: &[(&[&str], bool, &[&str])] = &[
    (&["valid.yaml"], false, &[]),
    (&["valid.json"], false, &[]),
    (&["int_or_string.yaml"], false, &[]),
    (&["generate_name.yaml"], false, &[]),
    (&["quantity.yaml"], false, &[]),
    (&["null_string.yaml"], false, &[]),
    (&["null_array.yaml"], false, &[]),
    (&["multi_valid.yaml"], false, &[]),
    (&["multi_valid_source.yaml"], false, &[]),
    (&["multi_invalid.yaml"], true, &["schema"]),
    // `replicas: asd"` and the misspelt `templates`.
    (&["invalid.yaml"], true, &["schema", "schema"]),
    (&["blank.yaml"], false, &[]),
    (&["comment.yaml"], false, &[]),
    // `key: value` has none of apiVersion, kind and metadata: not trying to
    // be a manifest (SPEC section 2), where kubeconform reads every file as
    // one.
    (&["missing_kind.yaml"], false, &[]),
    (&["missing_apiversion.yaml"], true, &["manifest-shape"]),
    (&["missing_kind_value.yaml"], true, &["manifest-shape"]),
    (
        &["multi_invalid_resources.yaml"],
        true,
        &["manifest-shape"; 5],
    ),
    (&["test_crd.yaml"], false, &["schema-missing"]),
    (&["extra_property.yaml"], true, &["schema"]),
    // The DaemonSet also sets `replicas`, which DaemonSets do not have:
    // kubeconform -strict rejects it for that as well.
    (
        &["duplicate_property.yaml"],
        true,
        &["schema", "yaml-duplicate-key"],
    ),
    (&["list_valid.yaml"], false, &[]),
    (&["list_empty_valid.yaml"], false, &[]),
    (&["multi_with_list.yaml"], false, &[]),
    (&["httpproxy.yaml"], false, &["schema-missing"]),
    (&["duplicates.yaml"], true, &["duplicate-resource"]),
    (
        &["duplicates-with-namespace.yaml"],
        true,
        &["duplicate-resource"],
    ),
    (
        &["duplicates-non-namespaced.yaml"],
        true,
        &["duplicate-resource"],
    ),
    (&["same-object-different-namespace.yaml"], false, &[]),
    // apps/v1beta1 has no schema in 1.37: an info note besides the duplicate.
    (
        &["same-kind-different-api.yaml"],
        true,
        &["duplicate-resource", "schema-missing"],
    ),
    (&["unconventional_keys.yaml"], false, &[]),
    (&["full_domain_group.yaml"], false, &[]),
    (&["valid_version.yaml"], false, &[]),
    (&["folder"], false, &[]),
];

#[test]
fn every_simple_row_holds() {
    for (files, fails, expected) in ROWS {
        let report = check(files, &[]);
        assert_eq!(
            report.fails(Some(Severity::Error)),
            *fails,
            "{files:?}: exit verdict; findings: {:#?}",
            report.findings
        );
        assert_eq!(
            rules(&report),
            *expected,
            "{files:?}: {:#?}",
            report.findings
        );
    }
}

#[test]
fn folder_row_checks_seven_resources_in_two_files() {
    let report = check(&["folder"], &[]);
    assert_eq!(report.summary.files, 2);
    assert_eq!(report.summary.documents, 7);
}

#[test]
fn list_invalid_reports_bob_at_spec_replicas() {
    let report = check(&["list_invalid.yaml"], &[]);
    assert!(report.fails(Some(Severity::Error)));
    assert!(report.findings.iter().all(|f| f.rule == "schema"));
    let replicas = report
        .findings
        .iter()
        .find(|f| f.message.contains("spec.replicas"))
        .expect("a finding names spec.replicas");
    assert_eq!(replicas.resource.as_ref().unwrap().name, "bob");
    assert_eq!(replicas.path.as_deref(), Some("/items/1/spec/replicas"));
    assert_eq!(
        replicas.message,
        "spec.replicas: expected integer, got string \"asd\\\"\""
    );
}

#[test]
fn test_crd_validates_with_a_schema_location_template() {
    let template = format!(
        "{}/registry/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
        fixtures().display()
    );
    let report = check(&["test_crd.yaml"], &[template]);
    assert_eq!(rules(&report), Vec::<&str>::new(), "{:#?}", report.findings);
}

#[test]
fn a_crd_in_the_input_validates_its_custom_resources() {
    let report = check(&["crd_schema.yaml", "test_crd.yaml"], &[]);
    assert!(
        !report.fails(Some(Severity::Error)),
        "{:#?}",
        report.findings
    );
    let about_training_job: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.resource.as_ref().is_some_and(|r| r.kind == "TrainingJob"))
        .collect();
    assert!(about_training_job.is_empty(), "{about_training_job:#?}");
}

#[test]
fn grafana_rule_group_validates_with_a_schema_file() {
    let file = fixtures()
        .join("grafanaalertrulegroup_v1beta1.json")
        .display()
        .to_string();
    let report = check(&["grafana-alert-rule-group-sample.yaml"], &[file]);
    assert_eq!(rules(&report), Vec::<&str>::new(), "{:#?}", report.findings);
}
