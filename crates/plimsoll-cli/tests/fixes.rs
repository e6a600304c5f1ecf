//! `check --fix` round trips on `testdata/fixes/<rule>/`: the fix removes
//! exactly the rule's fixable findings, leaves every other finding as it
//! was, touches only the lines it is about, and changes nothing when run
//! again; on the clean copies of the guide examples it changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::copy_tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::cargo_bin("plimsoll")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// Every built-in rule, so that conventions run too.
fn every_rule(dir: &Path) -> String {
    let (_, rules) = run(dir, &["rules", "--format", "json"]);
    let rules: Value = serde_json::from_str(&rules).unwrap();
    rules
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(",")
}

/// The findings of a check, each as (rule, file, resource, path, message):
/// what a finding is, without the line that fixes above it move.
fn findings(dir: &Path, select: &str) -> BTreeMap<(String, String, String, String, String), usize> {
    let (_, json) = run(
        dir,
        &["check", "--format", "json", "--select", select, "envs"],
    );
    let report: Value = serde_json::from_str(&json).unwrap();
    let mut counted = BTreeMap::new();
    for finding in report["findings"].as_array().unwrap() {
        let key = (
            finding["rule"].as_str().unwrap().to_owned(),
            finding["file"].as_str().unwrap().to_owned(),
            finding["resource"]["name"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
            finding["path"].as_str().unwrap_or("").to_owned(),
            finding["message"].as_str().unwrap().to_owned(),
        );
        *counted.entry(key).or_default() += 1;
    }
    counted
}

/// Runs the round trip on one fixture; `allowed` are the texts every
/// changed line must hold one of; returns the findings the fix removed.
fn round_trip(rule: &str, allowed: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &testdata().join("fixes").join(rule),
        &dir.path().join("envs/prod"),
    );
    let select = every_rule(dir.path());
    let before = findings(dir.path(), &select);

    // Only the rule under test fixes; every rule reports before and after.
    let (code, diff) = run(
        dir.path(),
        &["check", "--fix", "--dry-run", "--select", rule, "envs"],
    );
    assert_eq!(code, Some(1), "{diff}");
    let changed: Vec<&str> = diff
        .lines()
        .filter(|line| {
            (line.starts_with('+') || line.starts_with('-'))
                && !line.starts_with("+++")
                && !line.starts_with("---")
        })
        .collect();
    assert!(!changed.is_empty());
    for line in &changed {
        assert!(
            allowed.iter().any(|text| line.contains(text)),
            "{rule}: the fix changed an unrelated line: {line}\n{diff}"
        );
    }
    insta::assert_snapshot!(format!("fix_{rule}_diff"), diff);

    run(dir.path(), &["check", "--fix", "--select", rule, "envs"]);
    let after = findings(dir.path(), &select);
    let mut removed = Vec::new();
    for (key, count) in &before {
        let left = after.get(key).copied().unwrap_or(0);
        assert!(left <= *count, "{rule}: the fix added {key:?}");
        if left < *count {
            assert_eq!(
                key.0, rule,
                "{rule}: the fix removed another rule's finding {key:?}"
            );
            removed.push(format!("{} {}", key.2, key.4));
        }
    }
    for key in after.keys() {
        assert!(
            before.contains_key(key),
            "{rule}: new after the fix: {key:?}"
        );
    }

    // Idempotent: nothing more to do.
    let (code, again) = run(
        dir.path(),
        &["check", "--fix", "--dry-run", "--select", rule, "envs"],
    );
    assert_eq!(code, Some(0), "{again}");
    assert_eq!(again, "");
    removed
}

#[test]
fn pod_security_sets_allow_privilege_escalation_where_unset() {
    let removed = round_trip(
        "pod-security",
        &["securityContext:", "allowPrivilegeEscalation: false"],
    );
    assert_eq!(removed.len(), 2, "{removed:#?}");
    assert!(removed
        .iter()
        .all(|finding| finding.contains("does not set allowPrivilegeEscalation")));
}

#[test]
fn migration_hook_adds_the_delete_policy_ttl_and_restart_policy() {
    let removed = round_trip(
        "migration-hook",
        &[
            "argocd.argoproj.io/hook-delete-policy: BeforeHookCreation",
            "helm.sh/hook-delete-policy: before-hook-creation",
            "ttlSecondsAfterFinished: 600",
            "restartPolicy: 'Never'",
            "restartPolicy: 'OnFailure'",
            "restartPolicy: Never",
        ],
    );
    assert_eq!(removed.len(), 5, "{removed:#?}");
}

#[test]
fn environment_label_labels_the_namespaces_that_have_none() {
    let removed = round_trip("environment-label", &["labels:", "environment: prod"]);
    assert_eq!(removed.len(), 2, "{removed:#?}");
}

#[test]
fn image_digest_pins_only_by_a_digest_the_repository_states() {
    let removed = round_trip(
        "image-digest",
        &["ghcr.io/acme/api:1.4.0", "ghcr.io/acme/worker:0.9.1"],
    );
    // api (component-tags.json) and worker (values file, pinned sidecar);
    // not web (no digest stated) nor cache (two digests stated).
    assert_eq!(removed.len(), 2, "{removed:#?}");
    assert!(removed
        .iter()
        .all(|finding| finding.contains("api:1.4.0") || finding.contains("worker:0.9.1")));
}

#[test]
fn network_policy_dns_lets_a_default_policy_resolve_names() {
    let removed = round_trip(
        "network-policy-dns",
        &["egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]"],
    );
    // The default policy's, and the api policy's, whose pods the default
    // policy now lets resolve names.
    assert_eq!(removed.len(), 2, "{removed:#?}");
}

#[test]
fn the_clean_guide_examples_stay_byte_identical() {
    let examples = testdata().join("examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let clean = entry.unwrap().path().join("clean");
        if !clean.is_dir() {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&clean, dir.path());
        let (_, diff) = run(dir.path(), &["check", "--fix", "--dry-run"]);
        assert_eq!(diff, "", "{}", clean.display());
        run(dir.path(), &["check", "--fix"]);
        let (_, differences) = {
            let output = std::process::Command::new("diff")
                .arg("-r")
                .arg(&clean)
                .arg(dir.path())
                .output()
                .unwrap();
            (output.status, String::from_utf8(output.stdout).unwrap())
        };
        assert_eq!(differences, "", "{}", clean.display());
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn fix_refuses_stdin_and_rendered_input() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _) = run(dir.path(), &["check", "--fix", "-"]);
    assert_eq!(code, Some(2));
    let (code, _) = run(dir.path(), &["check", "--fix", "--kustomize", "."]);
    assert_eq!(code, Some(2));
}
