//! `--kubernetes-version`, `--no-schema` and `--schema-location` as the
//! engine sees them (EngineOptions).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use plimsoll::{Config, Engine, EngineError, EngineOptions, Input, Report, Severity};

const POLICY: &str = "\
apiVersion: admissionregistration.k8s.io/v1beta1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas
spec:
  validations:
    - expression: \"object.spec.replicas <= 5\"
";

fn run(options: EngineOptions, text: &str) -> Result<Report, EngineError> {
    let engine = Engine::new(Config::default(), options)?;
    Ok(engine
        .check(&[Input::Text {
            name: "x.yaml".into(),
            text: text.into(),
        }])
        .unwrap())
}

fn with_version(version: &str, select: &str) -> EngineOptions {
    EngineOptions {
        select: vec![select.to_owned()],
        kubernetes_version: Some(version.to_owned()),
        ..EngineOptions::default()
    }
}

#[test]
fn deprecations_follow_the_kubernetes_version() {
    let deprecated = run(with_version("1.30", "deprecated-api"), POLICY).unwrap();
    assert_eq!(deprecated.findings.len(), 1);
    assert_eq!(deprecated.findings[0].severity, Severity::Warning);
    assert_eq!(
        deprecated.findings[0].message,
        "admissionregistration.k8s.io/v1beta1 ValidatingAdmissionPolicy is deprecated since Kubernetes 1.30, removed in 1.34; use admissionregistration.k8s.io/v1"
    );
    let removed = run(with_version("1.34.2", "deprecated-api"), POLICY).unwrap();
    assert_eq!(removed.findings[0].severity, Severity::Error);
    let before = run(with_version("1.29", "deprecated-api"), POLICY).unwrap();
    assert!(before.findings.is_empty());
}

#[test]
fn schemas_follow_the_kubernetes_version() {
    // Bundled in 1.33, gone in 1.34.
    let served = run(with_version("1.33", "schema-missing"), POLICY).unwrap();
    assert!(served.findings.is_empty(), "{:#?}", served.findings);
    let gone = run(with_version("1.34", "schema-missing"), POLICY).unwrap();
    assert_eq!(gone.findings.len(), 1);
}

#[test]
fn the_config_version_applies_unless_the_flag_overrides_it() {
    let config =
        Config::from_yaml("kubernetesVersion: \"1.30\"\n", ".plimsoll.yaml".as_ref()).unwrap();
    let options = EngineOptions {
        select: vec!["deprecated-api".to_owned()],
        ..EngineOptions::default()
    };
    let engine = Engine::new(config.clone(), options.clone()).unwrap();
    let input = [Input::Text {
        name: "x.yaml".into(),
        text: POLICY.into(),
    }];
    assert_eq!(
        engine.check(&input).unwrap().findings[0].severity,
        Severity::Warning
    );
    let overridden = EngineOptions {
        kubernetes_version: Some("1.37".to_owned()),
        ..options
    };
    let engine = Engine::new(config, overridden).unwrap();
    assert_eq!(
        engine.check(&input).unwrap().findings[0].severity,
        Severity::Error
    );
}

#[test]
fn bad_versions_and_locations_are_usage_errors() {
    let unbundled = run(with_version("1.20", "schema"), POLICY).err().unwrap();
    assert!(unbundled
        .to_string()
        .contains("no bundled schemas for Kubernetes 1.20"));
    // Without schema rules an old version is fine: deprecations still apply.
    let old = run(with_version("1.20", "deprecated-api"), POLICY).unwrap();
    assert!(old.findings.is_empty());
    let garbage = run(with_version("one", "schema"), POLICY).err().unwrap();
    assert!(garbage.to_string().contains("expected a version"));
    let url = EngineOptions {
        schema_locations: vec!["https://example.com/{{ .ResourceKind }}.json".to_owned()],
        ..EngineOptions::default()
    };
    assert!(run(url, POLICY)
        .err()
        .unwrap()
        .to_string()
        .contains("never uses the network"));
}

#[test]
fn no_schema_turns_schema_rules_off() {
    let invalid = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: 1\n---\napiVersion: acme.io/v1\nkind: Thing\nmetadata:\n  name: thing\n";
    let on = run(EngineOptions::default(), invalid).unwrap();
    let rules: Vec<&str> = on.findings.iter().map(|f| f.rule.as_ref()).collect();
    assert_eq!(rules, ["schema", "schema-missing"]);
    let off = run(
        EngineOptions {
            no_schema: true,
            ..EngineOptions::default()
        },
        invalid,
    )
    .unwrap();
    assert!(off.findings.is_empty(), "{:#?}", off.findings);
}
