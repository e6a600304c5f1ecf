//! `unrendered-template`: a template that has not been rendered.
//!
//! Files under a `templates/` directory that contain Helm's actions
//! (`{{ .Values`, `{{-`, …), and files that hold a template engine's syntax
//! (`{{`, `{%`, FreeMarker's `<#if>`, ERB's `<%`) or a script's
//! placeholders (`name: @NAME@`, a line that is only `<NAME>`) and do not
//! parse, are
//! templates, not manifests: they are skipped instead of reported as a
//! cascade of YAML errors, with one note per chart (the directory above
//! `templates/`), or per directory for other templates, saying how many
//! were skipped.

use super::{Category, Rule, RuleMeta};
use crate::finding::Severity;

pub(crate) const ID: &str = "unrendered-template";

pub(crate) fn rule() -> Rule {
    Rule::load(RuleMeta {
        id: ID.into(),
        category: Category::Parsing,
        default_severity: Severity::Info,
        summary: "an unrendered template (Helm, or another template engine) was skipped".into(),
        rationale:
            "Templates only become manifests once Helm renders them; checking the template text \
would report template syntax, not problems. Check the rendered output instead."
                .into(),
        fix:
            "Check the rendered chart (`helm template CHART | plimsoll check -`), and exclude the \
templates (`exclude: [\"charts/**/templates/**\"]`)."
                .into(),
        bad: "".into(),
        good: "".into(),
    })
}
