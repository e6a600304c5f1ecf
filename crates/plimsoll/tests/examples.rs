//! The worked examples: for each guide in `testdata/examples/<guide>/`, a
//! config repository built as the guide describes it.
//!
//! - `clean/` follows every guardrail of the guide (its `.plimsoll.yaml`
//!   encodes them) and must check with no finding at all, infos included.
//! - `broken/` is a copy with seeded violations, one per guardrail; each is
//!   listed in `SEEDED.md` as a table row `| rule | file | line |`. The
//!   findings are snapshotted, and their (rule, file, line) set must equal
//!   the listed one: nothing more, nothing less.
//! - For the Argo CD and Flux guides, `plimsoll matrix` of the clean copy is
//!   snapshotted in every format.
//!
//! Each repository is checked the way the CLI does it (`plimsoll check
//! --config <dir>/.plimsoll.yaml <dir>`), so CODEOWNERS and
//! `component-tags.json` are found as on a real checkout; file names in the
//! findings are made relative to the repository.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plimsoll::render::{json, matrix};
use plimsoll::{Config, Engine, EngineOptions, Input};

/// The guides with an example repository.
const GUIDES: &[&str] = &[
    "argo-config-repo-digests",
    "flux-branch-promotion",
    "helm-argocd-sealed-secrets",
    "helm-umbrella-namespaces",
    "multi-stage-promotion-paths",
];

/// The guides whose clean copy also has its promotion matrix snapshotted.
const MATRIX_GUIDES: &[&str] = &["argo-config-repo-digests", "flux-branch-promotion"];

fn guide_dir(guide: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/examples")
        .join(guide)
        .canonicalize()
        .unwrap()
}

fn engine(repo: &Path) -> Engine {
    let config = Config::load(&repo.join(".plimsoll.yaml")).unwrap();
    Engine::new(config, EngineOptions::default()).unwrap()
}

/// The findings of `repo` as JSON, file names (and paths in messages)
/// relative to `repo`, so snapshots do not depend on the checkout.
fn findings(repo: &Path) -> Vec<serde_json::Value> {
    let report = engine(repo)
        .check(&[Input::Path(repo.to_path_buf())])
        .unwrap();
    let mut out = Vec::new();
    json::render(&report, &mut out).unwrap();
    let text = String::from_utf8(out)
        .unwrap()
        .replace(&format!("{}/", repo.display()), "");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["findings"].as_array().unwrap().clone()
}

/// (rule, file, line) of each finding.
fn keys(findings: &[serde_json::Value]) -> BTreeSet<(String, String, u64)> {
    findings
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_owned(),
                finding["file"].as_str().unwrap().to_owned(),
                finding["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The rows `| rule | file | line |` of SEEDED.md (header and rule lines
/// skipped; rule and file may be in backticks).
fn seeded(path: &Path) -> BTreeSet<(String, String, u64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = BTreeSet::new();
    for line in text.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|cell| cell.trim().trim_matches('`'))
            .collect();
        if cells.len() < 3 {
            continue;
        }
        if let Ok(number) = cells[2].parse::<u64>() {
            let row = (cells[0].to_owned(), cells[1].to_owned(), number);
            assert!(
                rows.insert(row.clone()),
                "{}: {row:?} listed twice",
                path.display()
            );
        }
    }
    rows
}

#[test]
fn every_guide_has_an_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/examples");
    for guide in GUIDES {
        let dir = root.join(guide);
        assert!(
            dir.join("clean/.plimsoll.yaml").is_file(),
            "{guide}: no clean copy"
        );
        assert!(
            dir.join("broken/.plimsoll.yaml").is_file(),
            "{guide}: no broken copy"
        );
        assert!(dir.join("SEEDED.md").is_file(), "{guide}: no SEEDED.md");
    }
}

#[test]
fn clean_examples_have_no_findings() {
    for guide in GUIDES {
        let found = findings(&guide_dir(guide).join("clean"));
        assert!(
            found.is_empty(),
            "{guide}: the clean copy has findings: {found:#?}"
        );
    }
}

#[test]
fn broken_examples_report_exactly_the_seeded_violations() {
    for guide in GUIDES {
        let dir = guide_dir(guide);
        let found = findings(&dir.join("broken"));
        let expected = seeded(&dir.join("SEEDED.md"));
        assert!(!expected.is_empty(), "{guide}: SEEDED.md lists nothing");
        let actual = keys(&found);
        let missing: Vec<_> = expected.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(&expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{guide}: seeded but not reported: {missing:#?}\nreported but not seeded: {extra:#?}"
        );
        insta::assert_json_snapshot!(format!("{guide}__broken"), found);
    }
}

#[test]
fn matrix_of_clean_examples() {
    for guide in MATRIX_GUIDES {
        let repo = guide_dir(guide).join("clean");
        let built = engine(&repo).matrix(&[Input::Path(repo.clone())]).unwrap();
        let prefix = format!("{}/", repo.display());
        let render = |write: fn(
            &plimsoll::promotion::Matrix,
            &mut dyn std::io::Write,
        ) -> std::io::Result<()>| {
            let mut out = Vec::new();
            write(&built, &mut out).unwrap();
            String::from_utf8(out).unwrap().replace(&prefix, "")
        };
        insta::assert_snapshot!(
            format!("{guide}__matrix_human"),
            render(matrix::render_human)
        );
        insta::assert_snapshot!(
            format!("{guide}__matrix_markdown"),
            render(matrix::render_markdown)
        );
        insta::assert_snapshot!(format!("{guide}__matrix_json"), render(matrix::render_json));
    }
}
