//! What the tests of the pass share: the fixtures, and the oracle that a
//! pass (which keeps only what its cross-object rules read) reports what a
//! run that holds the whole input reports.

use std::path::{Path, PathBuf};

use super::pass::Batching;
use super::Engine;
use crate::discover::Input;
use crate::report::Report;
use crate::run_limits::CheckError;

pub(super) fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// Every `.plimsoll.yaml` under `testdata/`, in path order.
pub(super) fn fixture_configs() -> Vec<PathBuf> {
    let mut configs = Vec::new();
    let mut folders = vec![testdata()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path
                .file_name()
                .is_some_and(|name| name == ".plimsoll.yaml")
            {
                configs.push(path);
            }
        }
    }
    configs.sort();
    assert!(configs.len() >= 10, "{configs:?}");
    configs
}

/// Two texts in memory: a custom resource, then the CRD that validates
/// it.
pub(super) fn resource_before_its_crd() -> Vec<Input> {
    let folder = testdata().join("rules/schema/fail-crd-in-input");
    ["backup.yaml", "crd.yaml"]
        .iter()
        .map(|name| Input::Text {
            name: (*name).to_owned(),
            text: std::fs::read_to_string(folder.join(name)).unwrap(),
        })
        .collect()
}

/// A run that checks `inputs`, cut into batches as told.
pub(super) type Run = fn(&Engine, &[Input], usize, Batching) -> Result<Report, CheckError>;

/// Checks `inputs` in memory, and with `run` one file per batch; the two
/// reports must be the same, snippets included. Returns how many
/// findings they have.
pub(super) fn assert_agrees_with_whole(engine: &Engine, inputs: &[Input], run: Run) -> usize {
    let whole = engine
        .in_pool(|threads| engine.run_in_memory(inputs, threads))
        .unwrap();
    let one_file_at_a_time = Batching {
        bytes: 1,
        chunk_files: 1,
    };
    let other = engine
        .in_pool(|threads| run(engine, inputs, threads, one_file_at_a_time))
        .unwrap();
    assert_eq!(format!("{whole:#?}"), format!("{other:#?}"));
    whole.findings.len()
}
