//! `input-read`: a file could not be read.
//!
//! Reported by the loader for files that vanish, lack permission, are not
//! regular files, are not UTF-8, look binary, or are too large. The run goes
//! on with every other file.

use super::{Category, Rule, RuleMeta};
use crate::finding::Severity;

pub(crate) const ID: &str = "input-read";

pub(crate) fn rule() -> Rule {
    Rule::load(RuleMeta {
        id: ID.into(),
        category: Category::Parsing,
        default_severity: Severity::Error,
        summary: "a file could not be read (permissions, not UTF-8, binary, vanished, not a regular file)".into(),
        rationale: "A CI gate that silently skips a file it cannot read lets whatever is in that file through. \
Every file that should have been checked and was not is reported, so the run never claims more than it did."
            .into(),
        fix: "Make the file readable and UTF-8 encoded, or exclude it (`exclude:` in `.plimsoll.yaml`, \
`.plimsollignore`, or `.gitignore`)."
            .into(),
        bad: "".into(),
        good: "".into(),
    })
}
