//! ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding
//! (admissionregistration.k8s.io/v1), evaluated offline as the API server
//! would evaluate them when the objects are created.
//!
//! Supported: `matchConstraints` and the binding's `matchResources`
//! (`resourceRules` and `excludeResourceRules` with apiGroups, apiVersions,
//! resources, resourceNames and scope; `namespaceSelector` against the
//! Namespace object of the input; `objectSelector`), `matchConditions`,
//! `variables`, `validations` (`expression`, `message`,
//! `messageExpression`, `reason`), `failurePolicy`, `validationActions`
//! (Deny → error, Warn → warning, Audit → info) and `paramKind`/`paramRef`
//! (by name or selector, to a ConfigMap or custom resource in the input,
//! with `parameterNotFoundAction`). Every object counts as a CREATE.
//!
//! Not evaluated offline, and reported once as a note: `auditAnnotations`,
//! validations that use `authorizer`, `matchPolicy: Equivalent` (objects
//! are matched by their own group and version only), and any other field
//! of a policy's or binding's spec this code does not know.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::expr::{self, Bindings, Compiled, EvalError};
use super::select;
use crate::finding::Severity;
use crate::model::kinds::resource_plural;
use crate::model::selector::Selector;
use crate::model::Object;
use crate::rules::{
    Category, DocumentContext, ObjectIndex, Rule, RuleMeta, SetContext, Sink, Violation,
};
use crate::source::TextRange;
use crate::yaml::Node;

/// The variables of a ValidatingAdmissionPolicy expression.
pub(crate) const VARIABLES: &[&str] = &[
    "object",
    "oldObject",
    "params",
    "namespaceObject",
    "request",
    "variables",
    "authorizer",
];

/// The id of the built-in rule that evaluates the policies found in the
/// checked input (their findings carry the policy's name as rule id).
pub(crate) const INPUT_RULE_ID: &str = "admission-policy";

/// A `resourceRules` entry.
#[derive(Debug, Clone, Default)]
struct ResourceRule {
    groups: Vec<String>,
    versions: Vec<String>,
    resources: Vec<String>,
    names: Vec<String>,
    operations: Vec<String>,
    scope: Option<String>,
}

impl ResourceRule {
    fn matches(&self, object: &Object) -> bool {
        let identity = &object.identity;
        let any =
            |list: &[String], value: &str| list.iter().any(|item| item == "*" || item == value);
        let resource = resource_plural(&identity.kind);
        any(&self.groups, &identity.group)
            && any(&self.versions, &identity.version)
            && self
                .resources
                .iter()
                .any(|item| item == "*" || item == "*/*" || *item == resource)
            && (self.names.is_empty() || self.names.contains(&identity.name))
            && (self.operations.is_empty()
                || self
                    .operations
                    .iter()
                    .any(|operation| operation == "*" || operation == "CREATE"))
            && match self.scope.as_deref() {
                Some("Namespaced") => identity.namespace.is_some(),
                Some("Cluster") => identity.namespace.is_none(),
                _ => true,
            }
    }
}

/// `matchConstraints` of a policy or `matchResources` of a binding.
#[derive(Debug, Clone, Default)]
struct MatchResources {
    rules: Vec<ResourceRule>,
    exclude: Vec<ResourceRule>,
    namespace_selector: Option<Selector>,
    object_selector: Option<Selector>,
}

impl MatchResources {
    /// Whether the object matches; a policy's constraints need rules, a
    /// binding's match everything the policy matches when it has none.
    fn matches(&self, object: &Object, input: &ObjectIndex<'_>, need_rules: bool) -> bool {
        if (need_rules || !self.rules.is_empty())
            && !self.rules.iter().any(|rule| rule.matches(object))
        {
            return false;
        }
        if self.exclude.iter().any(|rule| rule.matches(object)) {
            return false;
        }
        if let Some(selector) = &self.object_selector {
            if !selector.matches(&object.labels().collect::<Vec<_>>()) {
                return false;
            }
        }
        if let Some(selector) = &self.namespace_selector {
            let namespace = if object.identity.is("", "Namespace") {
                Some(object)
            } else {
                match &object.identity.namespace {
                    // cluster-scoped objects are not filtered by namespace
                    None => return true,
                    Some(namespace) => input.named("Namespace", None, namespace).next(),
                }
            };
            let matched = match namespace {
                Some(namespace) => selector.matches(&namespace.labels().collect::<Vec<_>>()),
                None => selector.matches(&[]),
            };
            if !matched {
                return false;
            }
        }
        true
    }
}

struct Validation {
    expression: Compiled,
    expression_text: String,
    message: Option<String>,
    message_expression: Option<Compiled>,
    reason: Option<String>,
    /// Uses `authorizer`, which is not available offline.
    skipped: bool,
}

/// A compiled ValidatingAdmissionPolicy.
pub(crate) struct AdmissionPolicy {
    pub(crate) name: String,
    constraints: MatchResources,
    conditions: Vec<(String, Compiled)>,
    variables: Vec<(String, Compiled)>,
    validations: Vec<Validation>,
    /// `apiVersion` and `kind` of the params.
    param_kind: Option<(String, String)>,
    fail_closed: bool,
    /// What is not evaluated, with where it is written.
    pub(crate) notes: Vec<(TextRange, String)>,
}

/// `paramRef` of a binding.
#[derive(Debug, Clone)]
struct ParamRef {
    name: Option<String>,
    namespace: Option<String>,
    selector: Option<Selector>,
    deny_when_missing: bool,
}

/// A ValidatingAdmissionPolicyBinding.
#[derive(Debug, Clone)]
pub(crate) struct Binding {
    pub(crate) name: String,
    pub(crate) policy_name: String,
    severity: Severity,
    param_ref: Option<ParamRef>,
    resources: Option<MatchResources>,
    /// What is not evaluated, with where it is written.
    pub(crate) notes: Vec<(TextRange, String)>,
}

type Failure = (TextRange, String);

/// Compiled policies of the input, by their JSON text (the same policy is
/// compiled once, whichever environment group meets it first).
type PolicyCache = Mutex<HashMap<String, Arc<Result<AdmissionPolicy, Failure>>>>;

fn fail(node: &Node, message: impl Into<String>) -> Failure {
    (node.span, message.into())
}

fn strings(node: Option<&Node>) -> Result<Vec<String>, Failure> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    node.as_seq()
        .ok_or_else(|| fail(node, "expected a list of strings"))?
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_owned)
                .ok_or_else(|| fail(item, "expected a string"))
        })
        .collect()
}

fn resource_rules(node: Option<&Node>) -> Result<Vec<ResourceRule>, Failure> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    node.as_seq()
        .ok_or_else(|| fail(node, "expected a list of resource rules"))?
        .iter()
        .map(|item| {
            Ok(ResourceRule {
                groups: strings(item.get("apiGroups"))?,
                versions: strings(item.get("apiVersions"))?,
                resources: strings(item.get("resources"))?,
                names: strings(item.get("resourceNames"))?,
                operations: strings(item.get("operations"))?,
                scope: item.get("scope").and_then(Node::as_str).map(str::to_owned),
            })
        })
        .collect()
}

const POLICY_SPEC_KEYS: &[&str] = &[
    "paramKind",
    "matchConstraints",
    "validations",
    "failurePolicy",
    "auditAnnotations",
    "matchConditions",
    "variables",
];
const BINDING_SPEC_KEYS: &[&str] = &[
    "policyName",
    "paramRef",
    "matchResources",
    "validationActions",
];
const MATCH_KEYS: &[&str] = &[
    "namespaceSelector",
    "objectSelector",
    "resourceRules",
    "excludeResourceRules",
    "matchPolicy",
];

/// A note for every key of `node` that is not in `known` (a field this
/// version does not evaluate is said, never silently skipped).
fn unknown_keys(node: &Node, known: &[&str], prefix: &str, notes: &mut Vec<(TextRange, String)>) {
    for entry in node.as_map().unwrap_or_default() {
        if !known.contains(&entry.key.as_str()) {
            notes.push((
                entry.key_span,
                format!("{prefix}.{} is not evaluated offline", entry.key),
            ));
        }
    }
}

fn selector(node: Option<&Node>) -> Result<Option<Selector>, Failure> {
    node.map(|node| select::parse(node).map_err(|(node, message)| fail(node, message)))
        .transpose()
}

fn match_resources(
    node: &Node,
    prefix: &str,
    notes: &mut Vec<(TextRange, String)>,
) -> Result<MatchResources, Failure> {
    unknown_keys(node, MATCH_KEYS, prefix, notes);
    if let Some(policy) = node.get("matchPolicy") {
        if policy.as_str() == Some("Equivalent") {
            notes.push((
                policy.span,
                "matchPolicy: Equivalent is not evaluated offline; objects match by their own group and version (as with Exact)".to_owned(),
            ));
        }
    }
    Ok(MatchResources {
        rules: resource_rules(node.get("resourceRules"))?,
        exclude: resource_rules(node.get("excludeResourceRules"))?,
        namespace_selector: selector(node.get("namespaceSelector"))?,
        object_selector: selector(node.get("objectSelector"))?,
    })
}

fn compile(node: &Node, what: &str) -> Result<(Compiled, String), Failure> {
    let text = node
        .as_str()
        .ok_or_else(|| fail(node, format!("{what} must be a string")))?;
    let compiled = expr::compile(text, VARIABLES).map_err(|error| {
        fail(
            node,
            format!(
                "{what} does not compile (at {}:{} in the expression): {}",
                error.line, error.column, error.message
            ),
        )
    })?;
    Ok((compiled, text.to_owned()))
}

fn named_expressions(node: Option<&Node>, what: &str) -> Result<Vec<(String, Compiled)>, Failure> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    node.as_seq()
        .ok_or_else(|| fail(node, format!("{what} must be a list")))?
        .iter()
        .map(|item| {
            let name = item
                .get("name")
                .and_then(Node::as_str)
                .ok_or_else(|| fail(item, format!("each of {what} needs a name")))?;
            let expression = item
                .get("expression")
                .ok_or_else(|| fail(item, format!("each of {what} needs an expression")))?;
            let (compiled, _) = compile(expression, "the expression")?;
            Ok((name.to_owned(), compiled))
        })
        .collect()
}

/// Reads and compiles a ValidatingAdmissionPolicy.
pub(crate) fn parse_policy(root: &Node) -> Result<AdmissionPolicy, Failure> {
    let name = root
        .pointer("/metadata/name")
        .and_then(Node::as_str)
        .ok_or_else(|| fail(root, "a ValidatingAdmissionPolicy needs metadata.name"))?;
    let spec = root
        .get("spec")
        .ok_or_else(|| fail(root, "a ValidatingAdmissionPolicy needs a spec"))?;
    let mut notes = Vec::new();
    unknown_keys(spec, POLICY_SPEC_KEYS, "spec", &mut notes);
    let constraints = match spec.get("matchConstraints") {
        Some(node) => match_resources(node, "spec.matchConstraints", &mut notes)?,
        None => {
            return Err(fail(
                spec,
                "a ValidatingAdmissionPolicy needs spec.matchConstraints",
            ))
        }
    };
    let mut validations = Vec::new();
    if let Some(items) = spec.get("validations") {
        for item in items
            .as_seq()
            .ok_or_else(|| fail(items, "validations must be a list"))?
        {
            let expression = item
                .get("expression")
                .ok_or_else(|| fail(item, "a validation needs an expression"))?;
            let (compiled, text) = compile(expression, "the expression")?;
            let message_expression = item
                .get("messageExpression")
                .map(|node| compile(node, "messageExpression").map(|(compiled, _)| compiled))
                .transpose()?;
            let skipped = compiled.references("authorizer");
            if skipped {
                notes.push((
                    expression.span,
                    "a validation that uses `authorizer` cannot be evaluated offline; it is skipped".to_owned(),
                ));
            }
            validations.push(Validation {
                expression: compiled,
                expression_text: text,
                message: item
                    .get("message")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                message_expression,
                reason: item.get("reason").and_then(Node::as_str).map(str::to_owned),
                skipped,
            });
        }
    }
    if let Some(audit) = spec.get("auditAnnotations") {
        notes.push((
            audit.span,
            "auditAnnotations are not evaluated offline".to_owned(),
        ));
    }
    let param_kind = spec.get("paramKind").map(|kind| {
        (
            kind.get("apiVersion")
                .and_then(Node::as_str)
                .unwrap_or("v1")
                .to_owned(),
            kind.get("kind")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_owned(),
        )
    });
    Ok(AdmissionPolicy {
        name: name.to_owned(),
        constraints,
        conditions: named_expressions(spec.get("matchConditions"), "matchConditions")?,
        variables: named_expressions(spec.get("variables"), "variables")?,
        validations,
        param_kind,
        fail_closed: spec.get("failurePolicy").and_then(Node::as_str) != Some("Ignore"),
        notes,
    })
}

/// Reads a ValidatingAdmissionPolicyBinding.
pub(crate) fn parse_binding(root: &Node) -> Result<Binding, Failure> {
    let name = root
        .pointer("/metadata/name")
        .and_then(Node::as_str)
        .unwrap_or_default();
    let spec = root
        .get("spec")
        .ok_or_else(|| fail(root, "a ValidatingAdmissionPolicyBinding needs a spec"))?;
    let policy_name = spec
        .get("policyName")
        .and_then(Node::as_str)
        .ok_or_else(|| {
            fail(
                spec,
                "a ValidatingAdmissionPolicyBinding needs spec.policyName",
            )
        })?;
    let actions = strings(spec.get("validationActions"))?;
    let mut severity = None;
    for action in &actions {
        let this = match action.as_str() {
            "Deny" => Severity::Error,
            "Warn" => Severity::Warning,
            "Audit" => Severity::Info,
            other => {
                return Err(fail(
                    spec.get("validationActions").unwrap_or(spec),
                    format!("unknown validation action `{other}`; expected Deny, Warn or Audit"),
                ))
            }
        };
        severity = Some(severity.map_or(this, |s: Severity| s.max(this)));
    }
    let severity = severity.ok_or_else(|| {
        fail(
            spec,
            "a ValidatingAdmissionPolicyBinding needs spec.validationActions (Deny, Warn or Audit)",
        )
    })?;
    let param_ref = spec
        .get("paramRef")
        .map(|node| -> Result<ParamRef, Failure> {
            Ok(ParamRef {
                name: node.get("name").and_then(Node::as_str).map(str::to_owned),
                namespace: node
                    .get("namespace")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                selector: selector(node.get("selector"))?,
                deny_when_missing: node.get("parameterNotFoundAction").and_then(Node::as_str)
                    != Some("Allow"),
            })
        })
        .transpose()?;
    let mut notes = Vec::new();
    unknown_keys(spec, BINDING_SPEC_KEYS, "spec", &mut notes);
    let resources = spec
        .get("matchResources")
        .map(|node| match_resources(node, "spec.matchResources", &mut notes))
        .transpose()?;
    Ok(Binding {
        name: name.to_owned(),
        policy_name: policy_name.to_owned(),
        severity,
        param_ref,
        resources,
        notes,
    })
}

/// What an evaluation found about one object.
struct Outcome {
    message: String,
    severity: Severity,
}

impl AdmissionPolicy {
    /// Evaluates the policy on one object under each of its bindings.
    fn evaluate(
        &self,
        object: &Object,
        bindings: &[&Binding],
        input: &ObjectIndex<'_>,
    ) -> Vec<Outcome> {
        if !self.constraints.matches(object, input, true) {
            return Vec::new();
        }
        let mut outcomes = Vec::new();
        for binding in bindings {
            if !binding
                .resources
                .as_ref()
                .is_none_or(|resources| resources.matches(object, input, false))
            {
                continue;
            }
            match self.params(binding, object, input) {
                Err(message) => outcomes.push(Outcome {
                    message,
                    severity: binding.severity,
                }),
                Ok(params) => {
                    for param in params {
                        self.evaluate_one(object, binding, param, input, &mut outcomes);
                    }
                }
            }
        }
        outcomes
    }

    /// The params to evaluate with (`[None]` when the policy takes none).
    fn params<'a>(
        &self,
        binding: &Binding,
        object: &Object,
        input: &ObjectIndex<'a>,
    ) -> Result<Vec<Option<&'a Object>>, String> {
        let (Some((api_version, kind)), Some(reference)) = (&self.param_kind, &binding.param_ref)
        else {
            return Ok(vec![None]);
        };
        let namespace = reference
            .namespace
            .as_deref()
            .or(object.identity.namespace.as_deref());
        let found: Vec<&Object> = input
            .of_kind(kind)
            .filter(|param| param.identity.api_version == *api_version)
            .filter(|param| {
                param.identity.namespace.is_none()
                    || param.identity.namespace.as_deref() == namespace
            })
            .filter(|param| {
                reference
                    .name
                    .as_ref()
                    .is_none_or(|name| *name == param.identity.name)
            })
            .filter(|param| {
                reference
                    .selector
                    .as_ref()
                    .is_none_or(|selector| selector.matches(&param.labels().collect::<Vec<_>>()))
            })
            .collect();
        if found.is_empty() {
            if reference.deny_when_missing {
                return Err(format!(
                    "ValidatingAdmissionPolicy {}: no params found for binding {} ({kind} {}{} is not in the input)",
                    self.name,
                    binding.name,
                    namespace.map(|ns| format!("{ns}/")).unwrap_or_default(),
                    reference.name.as_deref().unwrap_or("matching the selector"),
                ));
            }
            return Ok(Vec::new());
        }
        Ok(found.into_iter().map(Some).collect())
    }

    fn evaluate_one(
        &self,
        object: &Object,
        binding: &Binding,
        param: Option<&Object>,
        input: &ObjectIndex<'_>,
        outcomes: &mut Vec<Outcome>,
    ) {
        let namespace = object
            .identity
            .namespace
            .as_deref()
            .and_then(|namespace| input.named("Namespace", None, namespace).next());
        let request = request_of(object);
        let defaulted = with_server_defaults(object);
        let mut bindings = Bindings::new();
        let programs: Vec<&Compiled> = self
            .conditions
            .iter()
            .chain(&self.variables)
            .map(|(_, program)| program)
            .chain(self.validations.iter().flat_map(|validation| {
                std::iter::once(&validation.expression).chain(&validation.message_expression)
            }))
            .collect();
        bindings.object(defaulted.as_ref().unwrap_or(&object.node), &programs);
        bindings.node("oldObject", None);
        bindings.node("params", param.map(|param| &param.node));
        bindings.node(
            "namespaceObject",
            namespace.map(|namespace| &namespace.node),
        );
        bindings.node("authorizer", None);
        bindings.node("request", Some(&request));
        let error = |message: String, outcomes: &mut Vec<Outcome>| {
            if self.fail_closed {
                outcomes.push(Outcome {
                    message: format!(
                        "ValidatingAdmissionPolicy {} could not be evaluated on this object: {message}",
                        self.name
                    ),
                    severity: binding.severity,
                });
            }
        };
        for (name, condition) in &self.conditions {
            match expr::evaluate_bool(condition, &bindings) {
                Ok(true) => {}
                Ok(false) => return,
                Err(failure) => {
                    error(format!("match condition {name}: {failure}"), outcomes);
                    return;
                }
            }
        }
        let mut computed: Vec<(String, cel::Value)> = Vec::new();
        bindings.computed("variables", &computed);
        for (name, variable) in &self.variables {
            match expr::evaluate(variable, &bindings) {
                Ok(value) => {
                    computed.push((name.clone(), value));
                    bindings.computed("variables", &computed);
                }
                Err(EvalError::CostLimit) => {
                    error(
                        format!("variable {name}: {}", EvalError::CostLimit),
                        outcomes,
                    );
                    return;
                }
                Err(_) => {} // like an unused variable in the API server: only fails where used
            }
        }
        for validation in &self.validations {
            if validation.skipped {
                continue;
            }
            match expr::evaluate_bool(&validation.expression, &bindings) {
                Ok(true) => {}
                Ok(false) => {
                    let message = validation
                        .message_expression
                        .as_ref()
                        .and_then(|program| expr::evaluate_string(program, &bindings).ok())
                        .filter(|message| !message.trim().is_empty())
                        .or_else(|| validation.message.clone())
                        .unwrap_or_else(|| {
                            format!("failed expression: {}", validation.expression_text)
                        });
                    let reason = validation
                        .reason
                        .as_deref()
                        .map(|reason| format!(" (reason: {reason})"))
                        .unwrap_or_default();
                    outcomes.push(Outcome {
                        message: format!("{message}{reason}"),
                        severity: binding.severity,
                    });
                }
                Err(failure) => error(failure.to_string(), outcomes),
            }
        }
    }
}

/// The object as a validating admission policy sees it: after the API
/// server's defaults. Only the one that policies read most is applied: a
/// workload without `spec.replicas` runs 1 (`None`: nothing to add).
fn with_server_defaults(object: &Object) -> Option<Node> {
    use crate::yaml::{Entry, Value};
    let identity = &object.identity;
    let scaled = ["Deployment", "ReplicaSet", "StatefulSet"]
        .iter()
        .any(|kind| identity.is("apps", kind))
        || identity.is("", "ReplicationController");
    if !scaled {
        return None;
    }
    let spec = object.node.get("spec")?;
    if spec.get("replicas").is_some() {
        return None;
    }
    let mut node = object.node.clone();
    let Value::Map(fields) = &mut node.value else {
        return None;
    };
    let spec = fields.iter_mut().find(|entry| entry.key == "spec")?;
    let Value::Map(spec_fields) = &spec.value.value else {
        return None;
    };
    let mut with_replicas = spec_fields.to_vec();
    with_replicas.push(Entry {
        key: "replicas".into(),
        key_span: TextRange::default(),
        value: Node {
            value: Value::Int(1),
            span: TextRange::default(),
        },
    });
    spec.value.value = Value::Map(with_replicas.into_boxed_slice());
    Some(node)
}

/// The `request` an admission of `object` as a CREATE would carry.
fn request_of(object: &Object) -> Node {
    use crate::yaml::{Entry, Value};
    let identity = &object.identity;
    let string = |text: &str| Node {
        value: Value::String(text.into()),
        span: TextRange::default(),
    };
    let map = |entries: Vec<(&str, Node)>| Node {
        value: Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| Entry {
                    key: key.into(),
                    key_span: TextRange::default(),
                    value,
                })
                .collect(),
        ),
        span: TextRange::default(),
    };
    let gvk = || {
        map(vec![
            ("group", string(&identity.group)),
            ("version", string(&identity.version)),
            ("kind", string(&identity.kind)),
        ])
    };
    let mut entries = vec![
        ("kind", gvk()),
        (
            "resource",
            map(vec![
                ("group", string(&identity.group)),
                ("version", string(&identity.version)),
                ("resource", string(&resource_plural(&identity.kind))),
            ]),
        ),
        ("name", string(&identity.name)),
        ("operation", string("CREATE")),
        ("userInfo", map(Vec::new())),
        (
            "dryRun",
            Node {
                value: Value::Bool(true),
                span: TextRange::default(),
            },
        ),
    ];
    if let Some(namespace) = &identity.namespace {
        entries.push(("namespace", string(namespace)));
    }
    map(entries)
}

fn violation(object: &Object, policy: &str, outcome: Outcome) -> Violation {
    Violation::at_value(object, "", outcome.message)
        .with_severity(outcome.severity)
        .with_help(format!(
            "make the object pass ValidatingAdmissionPolicy {policy}, or ignore it with `# plimsoll: ignore[{policy}] <reason>`"
        ))
}

/// The rule of a ValidatingAdmissionPolicy from a policy file: bound by the
/// bindings of the policy files and by those found in the input.
pub(crate) fn policy_rule(
    policy: AdmissionPolicy,
    file_bindings: Arc<Vec<Binding>>,
    file: &Path,
) -> Rule {
    let meta = RuleMeta {
        id: Cow::Owned(policy.name.clone()),
        category: Category::Custom,
        default_severity: Severity::Error,
        summary: Cow::Owned(format!("ValidatingAdmissionPolicy {}", policy.name)),
        rationale: Cow::Owned(format!(
            "ValidatingAdmissionPolicy from {}, evaluated offline as the API server would at admission.",
            file.display()
        )),
        fix: Cow::Borrowed("Make the object pass the policy's validations."),
        bad: Cow::Borrowed(""),
        good: Cow::Borrowed(""),
    };
    let policy = Arc::new(policy);
    Rule::document(
        meta,
        move |context: &DocumentContext<'_>, sink: &mut Sink| {
            let input_bindings: Vec<Binding> = context
                .all
                .of_kind("ValidatingAdmissionPolicyBinding")
                .filter_map(|object| parse_binding(&object.node).ok())
                .filter(|binding| binding.policy_name == policy.name)
                .collect();
            let bindings: Vec<&Binding> = file_bindings
                .iter()
                .filter(|binding| binding.policy_name == policy.name)
                .chain(&input_bindings)
                .collect();
            if bindings.is_empty() {
                return;
            }
            for outcome in policy.evaluate(context.object, &bindings, context.all) {
                sink.push(violation(context.object, &policy.name, outcome));
            }
        },
    )
    // Bindings, params and Namespaces are looked up among the input's objects.
    .reading_input()
}

/// The built-in rule that evaluates the ValidatingAdmissionPolicies found in
/// the checked input (run once per environment; findings carry the policy's
/// name as rule id).
pub(crate) fn input_rule() -> Rule {
    let meta = RuleMeta {
        id: Cow::Borrowed(INPUT_RULE_ID),
        category: Category::Custom,
        default_severity: Severity::Error,
        summary: Cow::Borrowed(
            "a ValidatingAdmissionPolicy found in the input rejects an object (reported under the policy's name)",
        ),
        rationale: Cow::Borrowed(
            "ValidatingAdmissionPolicies and their bindings in the repository are what the API server will enforce: evaluating them offline finds the objects it would reject (Deny), warn about (Warn) or audit (Audit) before they reach the cluster. Findings use the policy's metadata.name as rule id, and the bindings' validationActions as severity (Deny → error, Warn → warning, Audit → info).",
        ),
        fix: Cow::Borrowed(
            "Make the object pass the policy, or change the policy. Features not evaluated offline (auditAnnotations, authorizer) are reported once on the policy as an info note.",
        ),
        bad: Cow::Borrowed(BAD),
        good: Cow::Borrowed(GOOD),
    };
    let cache: Arc<PolicyCache> = Arc::default();
    // A policy's parameters can be objects of any kind: a run whose input
    // has a policy with `paramKind` keeps the whole input (see
    // `names_param_kind`).
    // Without an admission policy in the input the rule reads nothing; with
    // one, its expressions may read any field of any object.
    Rule::set(meta, move |context: &SetContext<'_>, sink: &mut Sink| {
        check_input(context, sink, &cache);
    })
    .reading(&[])
    .reading_whole_objects_if_input_names("ValidatingAdmissionPolicy")
}

fn check_input(context: &SetContext<'_>, sink: &mut Sink, cache: &PolicyCache) {
    let policies: Vec<&Object> = context.all.of_kind("ValidatingAdmissionPolicy").collect();
    if policies.is_empty() {
        return;
    }
    let in_group = |object: &Object| context.index.all().iter().any(|o| o.id == object.id);
    let bindings: Vec<Binding> = context
        .all
        .of_kind("ValidatingAdmissionPolicyBinding")
        .filter_map(|object| match parse_binding(&object.node) {
            Ok(binding) => {
                if in_group(object) {
                    for (span, note) in &binding.notes {
                        sink.push(
                            Violation::new(
                                object,
                                crate::rules::Target::Span(*span),
                                format!(
                                    "ValidatingAdmissionPolicyBinding {}: {note}",
                                    binding.name
                                ),
                            )
                            .with_severity(Severity::Info),
                        );
                    }
                }
                Some(binding)
            }
            Err((span, message)) => {
                if in_group(object) {
                    sink.push(
                        Violation::new(object, crate::rules::Target::Span(span), message)
                            .with_severity(Severity::Error),
                    );
                }
                None
            }
        })
        .collect();
    for policy_object in policies {
        let key = policy_object.node.to_json().to_string();
        let compiled = {
            let mut cache = cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(
                cache
                    .entry(key)
                    .or_insert_with(|| Arc::new(parse_policy(&policy_object.node))),
            )
        };
        let policy = match compiled.as_ref() {
            Ok(policy) => policy,
            Err((span, message)) => {
                if in_group(policy_object) {
                    sink.push(
                        Violation::new(
                            policy_object,
                            crate::rules::Target::Span(*span),
                            message.clone(),
                        )
                        .with_severity(Severity::Error),
                    );
                }
                continue;
            }
        };
        if in_group(policy_object) {
            for (span, note) in &policy.notes {
                sink.push(
                    Violation::new(
                        policy_object,
                        crate::rules::Target::Span(*span),
                        format!("ValidatingAdmissionPolicy {}: {note}", policy.name),
                    )
                    .with_severity(Severity::Info),
                );
            }
        }
        let bound: Vec<&Binding> = bindings
            .iter()
            .filter(|binding| binding.policy_name == policy.name)
            .collect();
        if bound.is_empty() {
            continue;
        }
        for object in context.index.all() {
            for outcome in policy.evaluate(object, &bound, context.all) {
                sink.push(violation(object, &policy.name, outcome).with_rule(policy.name.clone()));
            }
        }
    }
}

const BAD: &str = "\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit
spec:
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [deployments]
  validations:
    - expression: object.spec.replicas <= 5
      message: at most 5 replicas
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replica-limit
spec:
  policyName: replica-limit
  validationActions: [Deny]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 10
";

const GOOD: &str = "\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit
spec:
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [deployments]
  validations:
    - expression: object.spec.replicas <= 5
      message: at most 5 replicas
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replica-limit
spec:
  policyName: replica-limit
  validationActions: [Deny]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 3
";
