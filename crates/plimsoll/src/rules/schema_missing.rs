//! `schema-missing`: no schema is known for this apiVersion/kind.
//!
//! Info by default, like kubeconform's `-ignore-missing-schemas` with a
//! note: the object is not validated, which a reviewer should know. A
//! schema that exists but cannot be used (a `--schema-location` file that is
//! not JSON, a CRD whose schema does not compile) is reported here too, with
//! the reason.
//!
//! Reported once per apiVersion and kind of the run, at the first object in
//! report order, with how many more there are: the note says the same of
//! every object of the kind.
//!
//! Decision: objects whose apiVersion/kind was removed from Kubernetes
//! (`extensions/v1beta1` Deployment under 1.37) are reported here as well as
//! by `deprecated-api`: this rule says "not validated", that one says why
//! and what to use instead.

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::schema::Lookup;

const ID: &str = "schema-missing";

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: ID.into(),
            category: Category::Parsing,
            default_severity: Severity::Info,
            summary: "no schema is known for this apiVersion/kind".into(),
            rationale: "An object without a schema is not validated at all: typos and wrong types in it reach \
the cluster unnoticed. Usually it is a custom resource whose CRD schema plimsoll does not bundle."
                .into(),
            fix: "Keep the CustomResourceDefinition in the checked input, or give its JSON schema with \
`--schema-location` (kubeconform templates work, e.g. `schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`)."
                .into(),
            bad: "apiVersion: projectcontour.io/v1\nkind: HTTPProxy\nmetadata:\n  name: web\nspec:\n  virtualhost:\n    fqdn: web.example.com\n".into(),
            good: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  rules:\n    - host: web.example.com\n".into(),
        },
        check,
    )
    .validating_schemas()
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    let identity = &object.identity;
    let (major, minor) = context.schemas.kubernetes_version();
    match context.schemas.lookup(identity) {
        Lookup::Found(_) => {}
        Lookup::Missing => sink.push(
            Violation::at_value(
                object,
                "/kind",
                format!(
                    "no schema for {} {} (Kubernetes {major}.{minor}, bundled CRDs, schema locations): not validated",
                    identity.api_version, identity.kind
                ),
            )
            .with_help("keep its CustomResourceDefinition in the input, or add its schema with --schema-location")
            .once_per(format!("{} {}", identity.api_version, identity.kind)),
        ),
        Lookup::Unusable { origin, reason } => {
            // A compile error can quote a whole schema: keep its start.
            let mut chars = reason.chars();
            let mut reason: String = chars.by_ref().take(200).collect();
            if chars.next().is_some() {
                reason.push('…');
            }
            sink.push(
            Violation::at_value(
                object,
                "/kind",
                format!(
                    "cannot use {origin} for {} {}: {reason}",
                    identity.api_version, identity.kind
                ),
            )
            .with_help("fix the schema, or remove it from --schema-location"),
            )
        }
    }
}
