//! Replays the fuzz targets' committed inputs on stable Rust: every crash,
//! timeout or out-of-memory input the fuzzers found (`fuzz/regressions/
//! <target>/`) and the hand-written and real-world seeds (`fuzz/seeds/`)
//! run through the same functions the cargo-fuzz targets call, so a fixed
//! bug stays fixed on every `cargo test`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod fuzz_targets;

use std::fs;
use std::path::{Path, PathBuf};

use fuzz_targets::{Target, TARGETS};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files under `dir`, recursively, sorted (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn target(name: &str) -> Target {
    TARGETS
        .iter()
        .find(|(target, _)| *target == name)
        .map(|(_, run)| *run)
        .unwrap_or_else(|| panic!("no fuzz target `{name}`"))
}

fn replay(run: Target, inputs: &[PathBuf]) {
    for input in inputs {
        let data = fs::read(input).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} fails its target", input.display());
    }
}

#[test]
fn every_regression_input_passes_its_target() {
    let regressions = fuzz_dir().join("regressions");
    for entry in fs::read_dir(&regressions).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        replay(target(&name), &files(&dir));
    }
}

#[test]
fn real_world_seeds_load_and_check() {
    let seeds: Vec<PathBuf> = files(&fuzz_dir().join("seeds/realworld"))
        .into_iter()
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml" || extension == "json")
        })
        .collect();
    assert!(seeds.len() >= 20, "{} real-world seeds", seeds.len());
    replay(target("loader"), &seeds);
    replay(target("check"), &seeds);
}

#[test]
fn hand_written_seeds_pass_their_targets() {
    for name in ["policy", "values"] {
        let seeds = files(&fuzz_dir().join("seeds").join(name));
        assert!(!seeds.is_empty(), "no seeds for {name}");
        replay(target(name), &seeds);
    }
}

#[test]
fn the_starter_config_passes_the_config_target() {
    let starter = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/config/starter.plimsoll.yaml");
    replay(target("config"), &[starter]);
}

#[test]
fn every_target_has_a_cargo_fuzz_binary() {
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for (name, _) in TARGETS {
        let body = fs::read_to_string(fuzz_dir().join(format!("fuzz_targets/{name}.rs"))).unwrap();
        assert!(
            body.contains(&format!("plimsoll_fuzz::{name}(data)")),
            "{name}"
        );
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{name}");
    }
}
