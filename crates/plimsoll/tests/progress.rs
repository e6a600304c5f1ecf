//! The progress callback sees every file load, whatever the thread count.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::{Arc, Mutex};

use plimsoll::{Config, Engine, EngineOptions, Input, Progress};

#[test]
fn progress_counts_every_file() {
    let calls: Arc<Mutex<Vec<(usize, usize)>>> = Arc::default();
    let seen = calls.clone();
    let options = EngineOptions {
        jobs: Some(3),
        progress: Some(Progress(Arc::new(move |done, total| {
            seen.lock().unwrap().push((done, total));
        }))),
        ..EngineOptions::default()
    };
    let engine = Engine::new(Config::default(), options).unwrap();
    let inputs: Vec<Input> = (0..25)
        .map(|at| Input::Text {
            name: format!("f{at}.yaml"),
            text: format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{at}}}\n"),
        })
        .collect();
    engine.check(&inputs).unwrap();
    let mut calls = calls.lock().unwrap().clone();
    calls.sort_unstable();
    let expected: Vec<(usize, usize)> = (1..=25).map(|done| (done, 25)).collect();
    assert_eq!(calls, expected);
}
