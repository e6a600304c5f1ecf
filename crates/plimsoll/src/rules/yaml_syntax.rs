//! `yaml-syntax`: the YAML does not parse.
//!
//! The fault's line and column come from the parser. Only the broken
//! document is lost: the others in the same file are still checked. Alias
//! bombs and nesting beyond the parser's limits are reported here too.

use super::{Category, Rule, RuleMeta};
use crate::finding::Severity;

pub(crate) const ID: &str = "yaml-syntax";

pub(crate) fn rule() -> Rule {
    Rule::load(RuleMeta {
        id: ID.into(),
        category: Category::Parsing,
        default_severity: Severity::Error,
        summary: "the YAML does not parse; line and column of the fault".into(),
        rationale: "kubectl, Argo CD and Flux refuse a stream with a syntax error, usually at deploy time. \
Catching it at commit time costs nothing."
            .into(),
        fix: "Fix the YAML at the reported position (tabs used for indentation and unbalanced brackets \
are the usual causes)."
            .into(),
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  key: [unclosed\n".into(),
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  key: \"[closed]\"\n".into(),
    })
}
