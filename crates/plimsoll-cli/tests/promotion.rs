//! `plimsoll promote` and `plimsoll matrix` on the repositories under
//! `testdata/promotion/`: exit codes and output, snapshotted.
//!
//! - `quikapp`: five stages with fan-out (dev → qa → uat1|uat2|uat3 →
//!   staging → live), resources named `{env}-{service}`;
//! - `splattop`: Helm `values-<env>.yaml` files and a `component-tags.json`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use assert_cmd::Command;

fn repo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/promotion")
        .join(name)
}

/// Runs plimsoll in a repository; returns (exit code, stdout, stderr).
fn run(name: &str, args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("plimsoll")
        .unwrap()
        .current_dir(repo(name))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn an_allowed_promotion_with_the_same_images_passes() {
    let (code, stdout, stderr) = run("quikapp", &["promote", "--from", "uat2", "--to", "staging"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn a_fan_in_promotion_from_the_wrong_branch_fails_on_parity() {
    let (code, stdout, _) = run("quikapp", &["promote", "--from", "uat1", "--to", "staging"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn skipping_a_stage_fails_on_the_path_in_json() {
    let (code, stdout, _) = run(
        "quikapp",
        &[
            "promote", "--from", "qa", "--to", "staging", "--format", "json",
        ],
    );
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"promotion-path"), "{rules:?}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn promoting_backwards_fails_on_the_path() {
    let (code, stdout, _) = run(
        "quikapp",
        &[
            "promote",
            "--from",
            "prod",
            "--to",
            "staging",
            "--fail-on",
            "error",
        ],
    );
    assert_eq!(code, 1);
    assert!(stdout.contains("promotion from live to staging is not allowed: that goes backwards"));
}

#[test]
fn unknown_environments_are_usage_errors() {
    let (code, stdout, stderr) = run("quikapp", &["promote", "--from", "uat1", "--to", "prd"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        "error: unknown environment `prd` in --to; known environments: dev, qa, uat1, uat2, uat3, staging, live\n"
    );
}

#[test]
fn values_files_take_part_in_promotions() {
    let (code, stdout, _) = run(
        "splattop",
        &[
            "promote", "--from", "staging", "--to", "prod", "--format", "json",
        ],
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
    let (code, _, _) = run(
        "splattop",
        &[
            "promote",
            "--from",
            "staging",
            "--to",
            "prod",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(code, 0);
}

#[test]
fn matrix_in_every_format() {
    for name in ["quikapp", "splattop"] {
        let (code, human, _) = run(name, &["matrix"]);
        assert_eq!(code, 0);
        assert!(
            human.lines().all(|line| line.chars().count() <= 100),
            "{human}"
        );
        insta::assert_snapshot!(format!("matrix_{name}_human"), human);
        let (_, json, _) = run(name, &["matrix", "--format", "json"]);
        serde_json::from_str::<serde_json::Value>(&json).unwrap();
        insta::assert_snapshot!(format!("matrix_{name}_json"), json);
        let (_, markdown, _) = run(name, &["matrix", "--format", "markdown"]);
        insta::assert_snapshot!(format!("matrix_{name}_markdown"), markdown);
    }
}

/// `docs/promotions.md` shows real output: it must still be what the
/// commands print.
#[test]
fn the_promotions_guide_shows_current_output() {
    let guide = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/promotions.md"),
    )
    .unwrap();
    for (name, args) in [
        ("quikapp", &["matrix"][..]),
        ("quikapp", &["matrix", "--format", "markdown"][..]),
        (
            "quikapp",
            &["promote", "--from", "uat2", "--to", "staging"][..],
        ),
        (
            "quikapp",
            &["promote", "--from", "qa", "--to", "staging"][..],
        ),
        (
            "splattop",
            &["promote", "--from", "staging", "--to", "prod"][..],
        ),
    ] {
        let (_, stdout, _) = run(name, args);
        assert!(
            guide.contains(stdout.trim_end()),
            "docs/promotions.md is stale for `plimsoll {}` in {name}:\n{stdout}",
            args.join(" ")
        );
    }
}
