//! Small repositories in the shape of real ones (`testdata/repositories/`),
//! checked as a new user checks a repository: the whole folder, no config
//! file. Each folder's `EXPECTED.md` lists every finding as table rows
//! `| rule | file | line |`, and the run must give exactly those, so the
//! classes of false findings they reproduce cannot come back unnoticed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plimsoll::{Config, Engine, EngineOptions, Input};

fn repositories() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/repositories");
    let mut found: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    found.sort();
    found
}

/// The rows of a table `| rule | file | line |` (the header skipped).
fn expected(path: &Path) -> BTreeSet<(String, String, u32)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            let line = cells.get(2)?.parse().ok()?;
            Some((cells[0].to_owned(), cells[1].to_owned(), line))
        })
        .collect()
}

#[test]
fn each_repository_gives_exactly_its_expected_findings() {
    let repositories = repositories();
    assert!(repositories.len() >= 3);
    for repository in repositories {
        let engine = Engine::new(Config::default(), EngineOptions::default()).unwrap();
        let report = engine.check(&[Input::Path(repository.clone())]).unwrap();
        let prefix = format!("{}/", repository.display());
        let found: BTreeSet<(String, String, u32)> = report
            .findings
            .iter()
            .map(|finding| {
                (
                    finding.rule.to_string(),
                    finding.file.trim_start_matches(&prefix).to_owned(),
                    finding.span.start.line,
                )
            })
            .collect();
        let wanted = expected(&repository.join("EXPECTED.md"));
        assert_eq!(
            found,
            wanted,
            "{}: findings differ from EXPECTED.md",
            repository.display()
        );
    }
}

/// A changed file is judged with the repository beside it: the Namespace
/// alone lacks its guards, with `guards.yaml` as context it has them, and
/// the other files' findings stay out of the report.
#[test]
fn a_changed_file_is_checked_with_its_repository_as_context() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/context/shop");
    let namespace = root.join("namespace.yaml");
    let engine = Engine::new(Config::default(), EngineOptions::default()).unwrap();
    let rules = |report: &plimsoll::Report| -> Vec<String> {
        report.findings.iter().map(|f| f.rule.to_string()).collect()
    };

    let alone = engine.check(&[Input::Path(namespace.clone())]).unwrap();
    assert_eq!(
        rules(&alone),
        [
            "namespace-limitrange",
            "namespace-network-policy",
            "namespace-quota"
        ]
    );

    let in_context = engine
        .check_in_context(std::slice::from_ref(&namespace), &root)
        .unwrap();
    assert!(in_context.findings.is_empty(), "{:#?}", in_context.findings);
    assert_eq!(in_context.summary.files, 1);

    let pod = root.join("debug-pod.yaml");
    let pod_report = engine.check_in_context(&[pod], &root).unwrap();
    assert!(!pod_report.findings.is_empty());
    assert!(pod_report
        .findings
        .iter()
        .all(|finding| finding.file.ends_with("debug-pod.yaml")));
}
