//! `schema`: the object violates its Kubernetes or CRD schema.
//!
//! The schema comes from the run's CRDs, `--schema-location`, the bundled
//! Kubernetes schemas of `kubernetesVersion` (strict: unknown fields are
//! errors, as with kubeconform `-strict` and the API server's strict field
//! validation) or the bundled CRD schemas (see `crate::schema`).
//!
//! Decisions:
//! - one finding per problem, at the offending value; an unknown field is
//!   reported at its key, a missing required field at the key of the object
//!   that lacks it;
//! - messages name the path in dotted form (`spec.template.spec.containers[0].image`)
//!   and what was expected; `null` is left out of the expected types, since
//!   nearly every Kubernetes field accepts it;
//! - when a value fails every branch of an `anyOf`/`oneOf` and the branches
//!   only disagree on the type, the message lists the accepted types; else
//!   the problems of the closest branch (fewest errors) are reported;
//! - at most [`MAX_ERRORS`] findings per object, then one that counts the
//!   rest;
//! - a workload in a file that a kustomization with `commonLabels` (or
//!   `labels` with `includeSelectors`) builds may leave `spec.selector` out:
//!   Kustomize writes it;
//! - a value that a patch of a kustomization building the object writes
//!   over is not judged (only the exact field: a merge keeps the rest);
//! - a required field that a patch writes into the object is not missing:
//!   a patch of a kustomization that builds its file (`patches`,
//!   `patchesStrategicMerge`, `patchesJson6902`), or a Flux
//!   Kustomization's `spec.patches` (see `crate::model::patched_fields`);
//! - a Kustomize strategic-merge patch is checked for unknown fields and
//!   wrong types only ([`check_patch`]);
//! - a string with a `${VAR}` (Flux's post-build substitution, `envsubst`),
//!   a script's `__NAME__`, `@NAME@` or `REPO_PREFIX/…`, a template tool's
//!   `<CLUSTER_NAME>` anywhere in it, an instruction in angle brackets
//!   (`<ADD LUN ID Here>`) or a SOPS-encrypted `ENC[…]` value is not judged
//!   for type or form: the applied value is another; a SOPS document's
//!   `sops:` block, which decryption removes, is not a field;
//! - an object of a kind without a structural schema is validated as its
//!   YAML tree, with no JSON copy unless it is invalid
//!   (`crate::schema::YamlTree`); a custom resource is defaulted, and so
//!   validated, as JSON.

use crate::model::kept_elsewhere::{
    has_angle_placeholder, holds_variable, is_bracketed_instruction, is_encrypted,
    is_script_placeholder, is_sops_document, starts_with_placeholder_name,
};
use std::borrow::Cow;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::model::Object;
use crate::schema::{apply_defaults, prune_nulls, Compiled, Lookup, RunSchemas, Schema};
use crate::yaml::{push_pointer, Entry, Node, Value as YamlValue};

const ID: &str = "schema";

/// Findings per object before the rest are only counted.
const MAX_ERRORS: usize = 20;

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: ID.into(),
            category: Category::Parsing,
            default_severity: Severity::Error,
            summary: "the object violates its Kubernetes/CRD schema (strict: unknown fields are errors)".into(),
            rationale: "The API server rejects an object that does not match its schema, or silently drops \
the fields it does not know: a typo such as `containerz` or `replicas: \"3\"` fails the deploy, or worse, \
deploys something else than what was reviewed. Checking against the schema of the cluster's Kubernetes \
version catches it at review time."
                .into(),
            fix: "Fix the value or field named in the message. Set `kubernetesVersion` (or `--kubernetes-version`) \
to your cluster's version; give schemas of your own CRDs with `--schema-location`, or keep the CRD in the input."
                .into(),
            bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: \"3\"\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containerz:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n".into(),
            good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n".into(),
        },
        check,
    )
    .validating_schemas()
    .checking_patches(check_patch)
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    let Lookup::Found(schema) = context.schemas.lookup(&object.identity) else {
        return;
    };
    let help = || format!("checked against {}", schema.origin);
    let validator = match &schema.validator {
        Compiled::Tree(validator) => validator,
        Compiled::Json(validator) => return check_defaulted(context, &schema, validator, sink),
    };
    // Most objects are valid, and then need no JSON copy.
    let applied = as_applied(&object.node);
    if validator.is_valid(&applied) {
        return;
    }
    let instance = applied.to_json();
    let errors = validator.iter_errors(&applied);
    let problems = describe_all(errors, object, context.schemas, &instance, &instance);
    report(object, &instance, problems, help(), sink);
}

/// Checks an object defaulted by its structural schema, as JSON.
fn check_defaulted(
    context: &DocumentContext<'_>,
    schema: &Schema,
    validator: &Validator,
    sink: &mut Sink,
) {
    let object = context.object;
    let mut instance = as_applied(&object.node).to_json();
    if let Some(structural) = &schema.structural {
        prune_nulls(&mut instance, structural);
        apply_defaults(&mut instance, structural);
    }
    if validator.is_valid(&instance) {
        return;
    }
    // The object as written, which messages quote beside the defaulted
    // one, is built again only for those that are not valid.
    let original = as_applied(&object.node).to_json();
    let errors = validator.iter_errors(&instance);
    let problems = describe_all(errors, object, context.schemas, &instance, &original);
    let help = format!("checked against {}", schema.origin);
    report(object, &instance, problems, help, sink);
}

/// The problems of `errors`, found in `object` validated as `instance`
/// (`original` as written), but those that are not problems once the
/// object is applied.
fn describe_all<'e>(
    errors: impl Iterator<Item = ValidationError<'e>>,
    object: &Object,
    schemas: &RunSchemas,
    instance: &Value,
    original: &Value,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for error in errors {
        if object.selector_by_kustomize && is_missing_selector(&error) {
            continue;
        }
        if is_patched_in(&error, object, schemas) {
            continue;
        }
        if is_filled_in_before_apply(error.instance()) || is_patched_over(&error, object) {
            continue;
        }
        describe(&error, instance, original, &mut problems);
    }
    problems
}

/// The object as it is applied: decryption removes SOPS's metadata.
fn as_applied(node: &Node) -> Cow<'_, Node> {
    match &node.value {
        YamlValue::Map(entries) if is_sops_document(node) => Cow::Owned(Node {
            value: YamlValue::Map(
                entries
                    .iter()
                    .filter(|entry| entry.key != "sops")
                    .cloned()
                    .collect(),
            ),
            span: node.span,
        }),
        _ => Cow::Borrowed(node),
    }
}

/// Whether a value is not yet the one applied: a string with a `${VAR}`
/// that Flux's post-build substitution or `envsubst` replaces in the text
/// (`replicas: ${REPLICAS}` becomes a number, `app.${DOMAIN}` a host name),
/// a script's `__NAME__` or a `REPO_PREFIX/…` it replaces, a template
/// tool's `<CLUSTER_NAME>-vault`, an instruction to the reader such as
/// `lun: <ADD LUN ID Here>`, or a value SOPS encrypted. Its type and form are not judged.
fn is_filled_in_before_apply(value: &Value) -> bool {
    value.as_str().is_some_and(|text| {
        holds_variable(text)
            || is_script_placeholder(text)
            || is_bracketed_instruction(text)
            || has_angle_placeholder(text)
            || starts_with_placeholder_name(text)
            || is_encrypted(text)
    })
}

/// Whether the error is a missing required field that a patch writes into
/// the object before it is applied: one of a kustomization that builds its
/// file, or one of a Flux Kustomization of the input.
fn is_patched_in(error: &ValidationError<'_>, object: &Object, schemas: &RunSchemas) -> bool {
    let ValidationErrorKind::Required { property } = error.kind() else {
        return false;
    };
    let Some(property) = property.as_str() else {
        return false;
    };
    let property = property.replace('~', "~0").replace('/', "~1");
    let pointer = format!("{}/{property}", error.instance_path().as_str());
    object.patched_by_build_at(&pointer) || schemas.set_by_a_flux_patch(&object.identity, &pointer)
}

/// Whether the value in error is one that a patch of a kustomization that
/// builds the object writes over (a base's `REPLACE_IN_OVERLAY` that each
/// overlay patches): the applied value is the patch's. Only a scalar at
/// the exact field counts.
fn is_patched_over(error: &ValidationError<'_>, object: &Object) -> bool {
    // A mapping or a list is merged with what the patch writes: its
    // unknown or missing fields stay.
    if matches!(
        error.instance().as_ref(),
        Value::Object(_) | Value::Array(_)
    ) {
        return false;
    }
    object.patched_by_build_at(error.instance_path().as_str())
}

/// Whether the error is a missing `spec.selector`, which Kustomize writes
/// from `commonLabels` when the kustomization that builds the object has
/// them.
fn is_missing_selector(error: &ValidationError<'_>) -> bool {
    matches!(error.kind(), ValidationErrorKind::Required { property }
        if property.as_str() == Some("selector") && error.instance_path().as_str() == "/spec")
}

/// Checks a Kustomize strategic-merge patch against its kind's schema, as
/// Kustomize will merge it: a patch is part of an object, so only unknown
/// fields and values of the wrong type are problems (no `required`, no
/// bounds or patterns, which the merged object may still meet). Merge
/// directives (`$patch`, `$setElementOrder/…`, `$retainKeys`, …) and the
/// `null`s that delete a field are not fields; a patch that deletes its
/// whole object is not checked.
fn check_patch(patch: &Object, schemas: &RunSchemas) -> Vec<Violation> {
    let Lookup::Found(schema) = schemas.lookup(&patch.identity) else {
        return Vec::new();
    };
    if patch.node.get("$patch").and_then(Node::as_str) == Some("delete") {
        return Vec::new();
    }
    let fields = without_merge_directives(&patch.node);
    let instance = fields.to_json();
    let problems = match &schema.validator {
        Compiled::Tree(validator) if !validator.is_valid(&fields) => {
            patch_problems(validator.iter_errors(&fields), &instance)
        }
        Compiled::Json(validator) if !validator.is_valid(&instance) => {
            patch_problems(validator.iter_errors(&instance), &instance)
        }
        _ => return Vec::new(),
    };
    let mut sink = Sink::default();
    report(
        patch,
        &instance,
        problems,
        format!(
            "checked as a strategic-merge patch against {} (unknown fields and types only)",
            schema.origin
        ),
        &mut sink,
    );
    sink.into_violations()
}

/// The problems of a patch, validated as `instance`: unknown fields and
/// values of the wrong type.
fn patch_problems<'e>(
    errors: impl Iterator<Item = ValidationError<'e>>,
    instance: &Value,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for error in errors {
        if matches!(
            error.kind(),
            ValidationErrorKind::AdditionalProperties { .. }
                | ValidationErrorKind::UnevaluatedProperties { .. }
                | ValidationErrorKind::Type { .. }
        ) {
            describe(&error, instance, instance, &mut problems);
        }
    }
    problems
}

/// Drops what a strategic-merge patch writes that is not a field: keys
/// starting with `$` and `null` values (which delete the field; a float
/// JSON cannot hold is one too).
fn without_merge_directives(node: &Node) -> Node {
    let value = match &node.value {
        YamlValue::Map(entries) => YamlValue::Map(
            entries
                .iter()
                .filter(|entry| !entry.key.starts_with('$') && !entry.value.is_json_null())
                .map(|entry| Entry {
                    value: without_merge_directives(&entry.value),
                    ..entry.clone()
                })
                .collect(),
        ),
        YamlValue::Seq(items) => {
            YamlValue::Seq(items.iter().map(without_merge_directives).collect())
        }
        other => other.clone(),
    };
    Node {
        value,
        span: node.span,
    }
}

/// Pushes the problems found in `object` (validated as `instance`), at
/// most [`MAX_ERRORS`] of them and then one that counts the rest.
fn report(
    object: &Object,
    instance: &Value,
    problems: Vec<Problem>,
    help: String,
    sink: &mut Sink,
) {
    let total = problems.len();
    let is_secret = object.identity.is("", "Secret");
    for mut problem in problems.into_iter().take(MAX_ERRORS) {
        if is_secret && holds_secret_data(&problem.pointer) {
            // No output may show a secret value (SPEC section 5).
            problem.message = without_value(&problem.message, instance.pointer(&problem.pointer));
        }
        let violation = if problem.at_key {
            Violation::at_key(object, problem.pointer, problem.message)
        } else {
            Violation::at_value(object, problem.pointer, problem.message)
        };
        sink.push(violation.with_help(help.clone()));
    }
    if total > MAX_ERRORS {
        sink.push(
            Violation::at_value(
                object,
                "",
                format!(
                    "{} more schema errors in {} {} (only the first {MAX_ERRORS} are reported)",
                    total - MAX_ERRORS,
                    object.identity.kind,
                    object.identity.name
                ),
            )
            .with_help(help),
        );
    }
}

struct Problem {
    pointer: String,
    at_key: bool,
    message: String,
}

/// `root` is the object as validated, `original` as written (they differ
/// by the `null`s a CRD schema prunes).
fn describe(error: &ValidationError<'_>, root: &Value, original: &Value, out: &mut Vec<Problem>) {
    let pointer = error.instance_path().as_str().to_owned();
    let path = dotted(root, &pointer);
    let instance = error.instance();
    let at = |message: String| Problem {
        pointer: pointer.clone(),
        at_key: false,
        message,
    };
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for field in unexpected {
                let mut child = pointer.clone();
                push_pointer(&mut child, field);
                out.push(Problem {
                    message: format!("unknown field {}", dotted(root, &child)),
                    pointer: child,
                    at_key: true,
                });
            }
        }
        ValidationErrorKind::Required { property } => {
            let field = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            let mut child = pointer.clone();
            push_pointer(&mut child, &field);
            let path = dotted(root, &child);
            if original.pointer(&child).is_some_and(Value::is_null) {
                // The API server drops a null of a field that is not
                // nullable, then finds the required field missing.
                out.push(Problem {
                    message: format!(
                        "missing required field {path}: its null is dropped, as the field is not nullable"
                    ),
                    pointer: child,
                    at_key: true,
                });
            } else {
                out.push(Problem {
                    message: format!("missing required field {path}"),
                    pointer: pointer.clone(),
                    at_key: true,
                });
            }
        }
        ValidationErrorKind::Type { kind } => {
            let expected: Vec<&str> = match kind {
                TypeKind::Single(single) => vec![single.as_str()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.as_str()).collect(),
            };
            out.push(at(type_message(&path, &expected, instance)));
        }
        ValidationErrorKind::Enum { options } => {
            let listed: Vec<String> = options
                .as_array()
                .into_iter()
                .flatten()
                .filter(|option| !option.is_null())
                .map(|option| capped(&option.to_string(), 40))
                .collect();
            let shown = if listed.len() > 8 {
                let first: Vec<&str> = listed.iter().take(8).map(String::as_str).collect();
                format!("{}, … ({} values)", first.join(", "), listed.len())
            } else {
                listed.join(", ")
            };
            out.push(at(format!(
                "{path}: expected one of {shown}, got {}",
                show(instance)
            )));
        }
        ValidationErrorKind::Constant { expected_value } => out.push(at(format!(
            "{path}: expected {}, got {}",
            capped(&expected_value.to_string(), 60),
            show(instance)
        ))),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            alternatives(context, &pointer, &path, instance, root, original, out);
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => out.push(at(format!(
            "{path}: {} matches more than one of the allowed forms",
            show(instance)
        ))),
        // The error's own text quotes the whole value (an object can run
        // to pages): name the value's type and the constraint instead.
        other => out.push(at(format!(
            "{path}: {} {}",
            show(instance),
            constraint(other)
        ))),
    }
}

/// A value failed every branch of an `anyOf`/`oneOf`.
fn alternatives(
    branches: &[Vec<ValidationError<'static>>],
    pointer: &str,
    path: &str,
    instance: &Value,
    root: &Value,
    original: &Value,
    out: &mut Vec<Problem>,
) {
    let mut types: Vec<&str> = Vec::new();
    let only_types = branches.iter().all(|errors| {
        errors.iter().all(|error| {
            let ValidationErrorKind::Type { kind } = error.kind() else {
                return false;
            };
            if error.instance_path().as_str() != pointer {
                return false;
            }
            match kind {
                TypeKind::Single(single) => types.push(single.as_str()),
                TypeKind::Multiple(set) => types.extend(set.iter().map(|t| t.as_str())),
            }
            true
        })
    });
    if only_types && !types.is_empty() {
        types.dedup();
        out.push(Problem {
            pointer: pointer.to_owned(),
            at_key: false,
            message: type_message(path, &types, instance),
        });
        return;
    }
    let closest = branches
        .iter()
        .filter(|errors| !errors.is_empty())
        .min_by_key(|errors| errors.len());
    match closest {
        Some(errors) => {
            for error in errors {
                describe(error, root, original, out);
            }
        }
        None => out.push(Problem {
            pointer: pointer.to_owned(),
            at_key: false,
            message: format!(
                "{path}: {} matches none of the allowed forms",
                show(instance)
            ),
        }),
    }
}

/// What a value broke, without the value: "has more than 3 fields
/// (maxProperties)".
fn constraint(kind: &ValidationErrorKind) -> String {
    use ValidationErrorKind as Kind;
    match kind {
        Kind::AdditionalItems { limit } => format!(
            "has more than {} (additionalItems)",
            counted(u64::try_from(*limit).unwrap_or(u64::MAX), "item")
        ),
        Kind::Contains => "has no item that the `contains` schema accepts".to_owned(),
        Kind::ContentEncoding { content_encoding } => {
            format!(
                "is not valid {} (contentEncoding)",
                capped(content_encoding, 40)
            )
        }
        Kind::ContentMediaType { content_media_type } => {
            format!(
                "is not valid {} (contentMediaType)",
                capped(content_media_type, 40)
            )
        }
        Kind::Custom { keyword, message } => {
            format!("fails {}: {}", capped(keyword, 40), capped(message, 120))
        }
        Kind::ExclusiveMaximum { limit } => format!("must be less than {limit} (exclusiveMaximum)"),
        Kind::ExclusiveMinimum { limit } => {
            format!("must be greater than {limit} (exclusiveMinimum)")
        }
        Kind::FalseSchema => "is not allowed here".to_owned(),
        Kind::Format { format } => format!("is not a valid {} (format)", capped(format, 40)),
        Kind::MaxItems { limit } => format!("has more than {} (maxItems)", counted(*limit, "item")),
        Kind::Maximum { limit } => format!("must be at most {limit} (maximum)"),
        Kind::MaxLength { limit } => format!(
            "is longer than {} (maxLength)",
            counted(*limit, "character")
        ),
        Kind::MaxProperties { limit } => {
            format!("has more than {} (maxProperties)", counted(*limit, "field"))
        }
        Kind::MinItems { limit } => {
            format!("has fewer than {} (minItems)", counted(*limit, "item"))
        }
        Kind::Minimum { limit } => format!("must be at least {limit} (minimum)"),
        Kind::MinLength { limit } => format!(
            "is shorter than {} (minLength)",
            counted(*limit, "character")
        ),
        Kind::MinProperties { limit } => format!(
            "has fewer than {} (minProperties)",
            counted(*limit, "field")
        ),
        Kind::MultipleOf { multiple_of } => {
            format!("must be a multiple of {multiple_of} (multipleOf)")
        }
        Kind::Not { .. } => "has a form the schema forbids (not)".to_owned(),
        Kind::Pattern { pattern } => {
            format!("does not match the pattern {}", capped(pattern, 80))
        }
        Kind::PropertyNames { error } => {
            format!(
                "has a field name that {} (propertyNames)",
                constraint(error.kind())
            )
        }
        Kind::UniqueItems => "has duplicate items (uniqueItems)".to_owned(),
        Kind::UnevaluatedItems { .. } => "has items no schema allows (unevaluatedItems)".to_owned(),
        Kind::BacktrackLimitExceeded { .. } | Kind::RegexEngineFailure { .. } => {
            "could not be checked: the schema's pattern is too costly to match".to_owned()
        }
        Kind::Referencing(error) => {
            format!("could not be checked: {}", capped(&error.to_string(), 120))
        }
        _ => "does not match the schema".to_owned(),
    }
}

/// "1 field", "3 fields".
fn counted(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// At most `limit` characters of a text, with an ellipsis when cut.
fn capped(text: &str, limit: usize) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(limit).collect();
    if chars.next().is_some() {
        format!("{short}…")
    } else {
        short
    }
}

fn type_message(path: &str, expected: &[&str], instance: &Value) -> String {
    let mut names: Vec<&str> = Vec::new();
    for name in expected {
        if *name != "null" && !names.contains(name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        names.push("null");
    }
    format!(
        "{path}: expected {}, got {}",
        names.join(" or "),
        show(instance)
    )
}

/// Whether a pointer leads into a Secret's `data` or `stringData`.
fn holds_secret_data(pointer: &str) -> bool {
    ["/data/", "/stringData/"]
        .iter()
        .any(|prefix| pointer.starts_with(prefix))
}

/// `message` with the value it shows (`integer 12345`) cut to its type
/// (`integer`).
fn without_value(message: &str, value: Option<&Value>) -> String {
    let Some(value) = value else {
        return message.to_owned();
    };
    let type_name = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    message.replace(&show(value), type_name)
}

/// `string "3"`, `integer 3`, `object`, …
fn show(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => format!("boolean {flag}"),
        Value::Number(number) if number.is_i64() || number.is_u64() => format!("integer {number}"),
        Value::Number(number) => format!("number {number}"),
        Value::String(text) => format!("string {:?}", capped(text, 60)),
        Value::Array(_) => "array".to_owned(),
        Value::Object(_) => "object".to_owned(),
    }
}

/// `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`.
fn dotted(root: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut node = Some(root);
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        match node {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{token}]"));
                node = token.parse::<usize>().ok().and_then(|at| items.get(at));
            }
            other => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&token);
                node = other.and_then(|value| value.get(&token));
            }
        }
    }
    if out.is_empty() {
        "(root)".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::first_tree;

    #[test]
    fn merge_directives_and_deleting_nulls_are_not_fields_of_a_patch() {
        let patch = first_tree(
            "spec:\n  $retainKeys: [a]\n  replicas: null\n  paused: .nan\n  template:\n    spec:\n      containers:\n        - {name: app, $patch: delete, image: ~}\n",
        );
        assert_eq!(
            without_merge_directives(&patch).to_json(),
            serde_json::json!({"spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}})
        );
    }

    #[test]
    fn sops_metadata_is_not_applied() {
        let document = first_tree("kind: Secret\nsops:\n  version: 3.8.1\n  mac: x\n");
        assert_eq!(as_applied(&document).get("sops"), None);
        let plain = first_tree("kind: ConfigMap\nsops: {}\n");
        assert!(matches!(as_applied(&plain), Cow::Borrowed(_)));
    }
}
