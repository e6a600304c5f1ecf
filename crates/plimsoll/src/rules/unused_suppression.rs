//! `unused-suppression`: an ignore comment or `plimsoll.dev/ignore`
//! annotation names a rule that suppressed nothing in this run (as ruff's
//! RUF100), so stale ignores do not pile up and hide the next problem.
//!
//! Reported by the engine once every other rule has run: only rules that
//! ran are judged (`--select`, `rules: {x: off}` and `promote` leave the
//! others alone), and a name that is no rule at all (a typo that never
//! suppressed anything) is reported with the nearest rule id.

use super::{Category, Rule, RuleMeta};
use crate::finding::Severity;

pub(crate) const ID: &str = "unused-suppression";

pub(crate) fn rule() -> Rule {
    Rule::load(RuleMeta {
        id: ID.into(),
        category: Category::Parsing,
        default_severity: Severity::Warning,
        summary: "an ignore comment or annotation suppressed nothing".into(),
        rationale: "An ignore outlives the finding it was written for: the object gets fixed, renamed \
or moved, and the comment stays, ready to hide the next real problem on that line. An ignore that \
names no rule at all (`ignore[image-digets]`) never suppressed anything. Only rules that ran are \
judged, so `--select` and rules turned off never make an ignore look unused."
            .into(),
        fix: "Delete the rule from the comment or annotation, or the whole comment when it names \
nothing else; fix the rule id when it is a typo."
            .into(),
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n  # plimsoll: ignore[image-lates] no image here\ndata:\n  mode: fast\n".into(),
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n".into(),
    })
}
