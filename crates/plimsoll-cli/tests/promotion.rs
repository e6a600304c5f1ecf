//! `plimsoll promote` and `plimsoll matrix` on the repositories under
//! `testdata/promotion/`: exit codes and output, snapshotted.
//!
//! - `quikapp`: five stages with fan-out (dev → qa → uat1|uat2|uat3 →
//!   staging → live), resources named `{env}-{service}`;
//! - `splattop`: Helm `values-<env>.yaml` files and a `component-tags.json`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{copy_tree, git};

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

/// Replaces `old` with `new` in the file at `path`, which must contain it.
fn replace_in(path: &std::path::Path, old: &str, new: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(old), "{} lacks {old}", path.display());
    std::fs::write(path, text.replace(old, new)).unwrap();
}

/// The Argo CD guide example, committed; then prod takes the api image
/// staging runs, and a web digest staging never ran.
#[test]
fn matrix_diff_marks_what_prod_deploys_that_staging_never_ran() {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/examples/argo-config-repo-digests/clean");
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&example, dir.path());
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    let staging_api =
        "1.7.3@sha256:14c2529eb4498c5d1ffd6915d05bf58a91bdda796af59f41d480d11c099d0479";
    let prod_web = "sha256:8cce6b5317e9ac54ca00cdf56f0f00ee81185b4da7494dea0ca57bb33e3957bf";
    let untested_web = "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    let manifest = dir.path().join("envs/prod/splattop.yaml");
    replace_in(
        &manifest,
        "1.7.2@sha256:d399067903e5fe9b002728c17a49bb31c57d01405748ecbbd4b7d3564f6e3d8c",
        staging_api,
    );
    replace_in(&manifest, prod_web, untested_web);
    let values = dir.path().join("helm/splattop/values-prod.yaml");
    replace_in(&values, "tag: \"1.7.2\"", "tag: \"1.7.3\"");
    replace_in(
        &values,
        "sha256:d399067903e5fe9b002728c17a49bb31c57d01405748ecbbd4b7d3564f6e3d8c",
        "sha256:14c2529eb4498c5d1ffd6915d05bf58a91bdda796af59f41d480d11c099d0479",
    );
    replace_in(&values, prod_web, untested_web);

    let run_in = |args: &[&str]| {
        let output = Command::cargo_bin("plimsoll")
            .unwrap()
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let human = run_in(&["matrix", "--diff", "HEAD"]);
    assert!(
        human.lines().all(|line| line.chars().count() <= 100),
        "{human}"
    );
    insta::assert_snapshot!("matrix_diff_splattop_human", human);
    let json = run_in(&["matrix", "--diff", "HEAD", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let unvalidated: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|change| change["validation"]["status"] == "notValidated")
        .map(|change| change["service"].as_str().unwrap())
        .collect();
    assert_eq!(unvalidated, ["web"]);
    insta::assert_snapshot!("matrix_diff_splattop_json", json);
    let markdown = run_in(&["matrix", "--diff", "HEAD", "--format", "markdown"]);
    insta::assert_snapshot!("matrix_diff_splattop_markdown", markdown);
    let picture = run_in(&["matrix", "--diff", "HEAD", "--format", "mermaid"]);
    assert!(picture.contains("class env2 unvalidated"), "{picture}");
    insta::assert_snapshot!("mermaid_diff_splattop", picture);
}

/// The promotion path of each guide example as a Mermaid picture. CI
/// parses these snapshots with Mermaid itself (`.ci/mermaid-check.sh`).
#[test]
fn mermaid_pictures_of_the_guide_examples() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/examples");
    let mut pictured = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let example = entry.unwrap().path();
        for variant in ["clean", "broken"] {
            let dir = example.join(variant);
            if !dir.is_dir() {
                continue;
            }
            let output = Command::cargo_bin("plimsoll")
                .unwrap()
                .current_dir(&dir)
                .args(["matrix", "--format", "mermaid"])
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(0));
            let picture = String::from_utf8(output.stdout).unwrap();
            assert!(
                picture.starts_with("```mermaid\nflowchart LR\n"),
                "{picture}"
            );
            assert!(
                picture.contains(" --> "),
                "{}: no promotion edge\n{picture}",
                dir.display()
            );
            let name = example.file_name().unwrap().to_string_lossy().into_owned();
            insta::assert_snapshot!(format!("mermaid_{name}_{variant}"), picture);
            pictured += 1;
        }
    }
    assert_eq!(pictured, 10);
}
