//! The command loads the policy files of the config: custom rules in
//! `check`, `rules` and `explain`, and a broken policy file is exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use assert_cmd::Command;

const POLICY: &str = "\
apiVersion: plimsoll.dev/v1
kind: Policy
rules:
  - id: prod-three-replicas
    match: {kinds: [Deployment], environments: [prod]}
    expression: \"object.spec.replicas >= 3\"
    message: prod Deployments run at least 3 replicas
    path: spec.replicas
";

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
spec:
  replicas: 2
";

fn repository(policy: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(".plimsoll.yaml", "policies: [\"policies/*.yaml\"]\n");
    write("policies/prod.yaml", policy);
    write("envs/prod/api.yaml", DEPLOYMENT);
    dir
}

fn plimsoll(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("plimsoll").unwrap();
    command.current_dir(dir);
    command
}

#[test]
fn check_runs_custom_rules_and_skips_policy_files() {
    let dir = repository(POLICY);
    let output = plimsoll(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--select",
            "prod-three-replicas",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["rule"], "prod-three-replicas");
    assert_eq!(findings[0]["file"], "envs/prod/api.yaml");
    assert_eq!(
        (findings[0]["line"].as_u64(), findings[0]["column"].as_u64()),
        (Some(6), Some(13))
    );
    // the policy file itself is not read as a manifest
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn rules_and_explain_list_custom_rules() {
    let dir = repository(POLICY);
    let output = plimsoll(dir.path()).args(["rules"]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let line = text
        .lines()
        .find(|line| line.starts_with("prod-three-replicas"))
        .unwrap();
    assert!(line.contains("custom") && line.contains("error"), "{line}");
    assert!(text
        .lines()
        .any(|line| line.starts_with("admission-policy")));
    let output = plimsoll(dir.path())
        .args(["explain", "prod-three-replicas"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("prod Deployments run at least 3 replicas"));
}

#[test]
fn a_broken_policy_file_is_a_usage_error() {
    let dir = repository(&POLICY.replace("object.spec.replicas >= 3", "object.spec.replicas >= "));
    let output = plimsoll(dir.path()).args(["check"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("policies/prod.yaml:6:17: rules[0].expression: the expression does not compile (at 1:25 in the expression)"),
        "{stderr}"
    );
}

/// An admission policy of the input, applied by the rule every engine
/// built through the front door has.
const ADMISSION: &str = "\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: require-owner
spec:
  matchConstraints:
    resourceRules:
      - apiGroups: [\"apps\"]
        apiVersions: [\"v1\"]
        operations: [CREATE]
        resources: [deployments]
  validations:
    - expression: \"has(object.metadata.annotations)\"
      message: Deployments name their owner
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: require-owner
spec:
  policyName: require-owner
  validationActions: [Deny]
";

/// An embedding tool that builds its engine through the library's front
/// door (`Config::for_paths`, `Engine::new`) gets the command's report,
/// custom policies and the input's admission policies included.
#[test]
fn the_library_front_door_checks_as_the_command_does() {
    let dir = repository(POLICY);
    std::fs::write(dir.path().join("envs/prod/admission.yaml"), ADMISSION).unwrap();
    let root = dir.path().to_path_buf();
    let output = plimsoll(dir.path())
        .args(["check", "--format", "json"])
        .arg(&root)
        .output()
        .unwrap();
    let from_command: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    let config = plimsoll::Config::for_paths(None, std::slice::from_ref(&root)).unwrap();
    let engine = plimsoll::Engine::new(config, plimsoll::EngineOptions::default()).unwrap();
    let report = engine.check(&[plimsoll::Input::Path(root)]).unwrap();
    let mut rendered = Vec::new();
    plimsoll::render::json::render(&report, &mut rendered).unwrap();
    let from_library: serde_json::Value = serde_json::from_slice(&rendered).unwrap();

    assert_eq!(from_library, from_command);
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_ref()).collect();
    assert!(rules.contains(&"prod-three-replicas"), "{rules:?}");
    // The input's admission policy reports under its own name.
    assert!(rules.contains(&"require-owner"), "{rules:?}");
}
