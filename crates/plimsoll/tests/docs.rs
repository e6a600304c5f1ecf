//! Generated documentation stays in step with the code.
//!
//! `docs/rules.md` is generated from rule metadata; when a rule changes,
//! regenerate it with `PLIMSOLL_UPDATE_DOCS=1 cargo test -p plimsoll --test docs`
//! (or `plimsoll rules --format markdown > docs/rules.md`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

#[test]
fn the_rules_reference_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let generated = plimsoll::rules::reference_markdown(&plimsoll::rules::builtin());
    if std::env::var_os("PLIMSOLL_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: run `PLIMSOLL_UPDATE_DOCS=1 cargo test -p plimsoll --test docs`"
    );
}
