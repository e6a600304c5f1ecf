//! `baseline-stale`: an entry of the `--baseline` file matches no finding
//! any more.
//!
//! Reported by [`Baseline::apply`](crate::baseline::Baseline::apply), not by
//! the engine: the finding points at the entry in the baseline file. Info by
//! default, so that it never fails a run; it exists so that baselines shrink
//! as findings get fixed instead of silently keeping room for them to come
//! back. Entries of files that were not checked, or of rules that did not
//! run, are never stale.

use super::{Category, Rule, RuleMeta};
use crate::finding::Severity;

pub(crate) const ID: &str = "baseline-stale";

pub(crate) fn rule() -> Rule {
    Rule::load(RuleMeta {
        id: ID.into(),
        category: Category::Parsing,
        default_severity: Severity::Info,
        summary: "a baseline entry matches no finding any more".into(),
        rationale: "A baseline hides the findings a repository had when it adopted plimsoll. \
Once such a finding is fixed, its entry would hide the same problem if it came back; \
removing the entry keeps the baseline honest and lets it shrink to nothing."
            .into(),
        fix: "Remove the entry from the baseline file, or rewrite the whole file with \
`plimsoll check --write-baseline FILE`."
            .into(),
        bad: "".into(),
        good: "".into(),
    })
}
