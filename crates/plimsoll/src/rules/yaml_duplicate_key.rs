//! `yaml-duplicate-key`: a mapping repeats a key.
//!
//! Most YAML readers keep the later value without a word, so the first one
//! silently stops mattering. The finding points at the later key and names
//! the line of the first.
//!
//! Merge keys count too where readers disagree (the parser reports them): a
//! key written before a `<<` merge that sets it again (kubectl's reader lets
//! the merge win, the YAML merge rule the key; the finding is at the key),
//! and a second `<<` in one mapping.

use super::{Category, Rule, RuleMeta};
use crate::finding::Severity;

pub(crate) const ID: &str = "yaml-duplicate-key";

pub(crate) fn rule() -> Rule {
    Rule::load(RuleMeta {
        id: ID.into(),
        category: Category::Parsing,
        default_severity: Severity::Error,
        summary: "a mapping repeats a key (the later silently wins)".into(),
        rationale: "A repeated key is almost always a merge or copy-paste mistake: one of the two values \
is ignored, and which one depends on the tool. kubectl's strict decoding rejects it."
            .into(),
        fix: "Remove one of the two keys, keeping the value you meant.".into(),
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: info\n  LOG_LEVEL: debug\n".into(),
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: debug\n".into(),
    })
}
