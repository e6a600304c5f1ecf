//! `kind: Policy` files: plimsoll's own rule format, one CEL expression per
//! rule, and the loader that reads every document of the policy files.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::admission::{self, AdmissionPolicy, Binding};
use super::expr::{self, Bindings, Compiled};
use super::select;
use super::{documents, error_at, to_pointer, valid_id, PolicyFile};
use crate::config::{Config, ConfigError};
use crate::environment::{EnvId, Environments};
use crate::finding::Severity;
use crate::model::selector::Selector;
use crate::model::Object;
use crate::rules::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::source::TextRange;
use crate::yaml::Node;

/// The variables of a `kind: Policy` expression.
pub(crate) const VARIABLES: &[&str] = &["object", "environment", "namespaceObject"];

const POLICY_KEYS: &[&str] = &["apiVersion", "kind", "metadata", "rules"];
const RULE_KEYS: &[&str] = &[
    "id",
    "severity",
    "summary",
    "description",
    "help",
    "match",
    "expression",
    "message",
    "messageExpression",
    "path",
];
const MATCH_KEYS: &[&str] = &["kinds", "namespaces", "environments", "labelSelector"];

/// A kind a rule applies to: `Deployment`, `apps/Deployment`,
/// `apps/v1/Deployment` or `v1/Pod`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KindMatch {
    group: Option<String>,
    version: Option<String>,
    kind: String,
}

impl KindMatch {
    fn parse(text: &str) -> Option<KindMatch> {
        let parts: Vec<&str> = text.split('/').collect();
        let (group, version, kind) = match parts.as_slice() {
            [kind] => (None, None, *kind),
            [first, kind] if is_version(first) => (Some(""), Some(*first), *kind),
            [group, kind] => (Some(*group), None, *kind),
            [group, version, kind] => (Some(*group), Some(*version), *kind),
            _ => return None,
        };
        let simple = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        };
        if !simple(kind)
            || group.is_some_and(|g| !g.is_empty() && !simple(g))
            || version.is_some_and(|v| !simple(v))
        {
            return None;
        }
        Some(KindMatch {
            group: group.map(str::to_owned),
            version: version.map(str::to_owned),
            kind: kind.to_owned(),
        })
    }

    fn matches(&self, object: &Object) -> bool {
        let identity = &object.identity;
        identity.kind == self.kind
            && self
                .group
                .as_ref()
                .is_none_or(|group| *group == identity.group)
            && self
                .version
                .as_ref()
                .is_none_or(|version| *version == identity.version)
    }
}

fn is_version(text: &str) -> bool {
    text.strip_prefix('v')
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_digit())
}

/// One rule of a `kind: Policy` document, compiled.
struct PolicyRule {
    id: String,
    kinds: Vec<KindMatch>,
    namespaces: Vec<String>,
    environments: Vec<EnvId>,
    selector: Option<Selector>,
    expression: Compiled,
    expression_text: String,
    message: Option<String>,
    message_expression: Option<Compiled>,
    pointer: String,
    help: Option<String>,
    /// Whether an expression reads `namespaceObject` (looked up only then).
    uses_namespace: bool,
}

impl PolicyRule {
    fn applies(&self, context: &DocumentContext<'_>) -> bool {
        let object = context.object;
        (self.kinds.is_empty() || self.kinds.iter().any(|kind| kind.matches(object)))
            && (self.namespaces.is_empty()
                || object
                    .identity
                    .namespace
                    .as_ref()
                    .is_some_and(|namespace| self.namespaces.contains(namespace)))
            && (self.environments.is_empty()
                || context
                    .environment
                    .is_some_and(|environment| self.environments.contains(&environment.id)))
            && self
                .selector
                .as_ref()
                .is_none_or(|selector| selector.matches(&object.labels().collect::<Vec<_>>()))
    }

    fn check(&self, context: &DocumentContext<'_>, sink: &mut Sink) {
        if !self.applies(context) {
            return;
        }
        let object = context.object;
        let mut bindings = Bindings::new();
        let mut programs = vec![&self.expression];
        programs.extend(self.message_expression.as_ref());
        bindings.object(&object.node, &programs);
        bindings.string(
            "environment",
            context
                .environment
                .map(|environment| environment.name.as_str()),
        );
        let namespace = if self.uses_namespace {
            namespace_object(context)
        } else {
            None
        };
        bindings.node(
            "namespaceObject",
            namespace.map(|namespace| &namespace.node),
        );
        match expr::evaluate_bool(&self.expression, &bindings) {
            Ok(true) => {}
            Ok(false) => {
                let message = self
                    .message_expression
                    .as_ref()
                    .and_then(|program| expr::evaluate_string(program, &bindings).ok())
                    .filter(|message| !message.trim().is_empty())
                    .or_else(|| self.message.clone())
                    .unwrap_or_else(|| format!("failed expression: {}", self.expression_text));
                let mut violation = Violation::at_value(object, self.pointer.clone(), message);
                if let Some(help) = &self.help {
                    violation = violation.with_help(help.clone());
                }
                sink.push(violation);
            }
            Err(error) => sink.push(
                Violation::at_value(
                    object,
                    "",
                    format!("rule {} could not be evaluated on this object: {error}", self.id),
                )
                .with_help(match error {
                    expr::EvalError::CostLimit => {
                        "make the expression cheaper: fewer nested all()/exists()/map()/filter() over large lists"
                    }
                    expr::EvalError::Runtime(_) => {
                        "guard the expression with has() or the ?. operator for fields that may be missing"
                    }
                }),
            ),
        }
    }
}

/// The Namespace object of an object's namespace, when it is in the input.
pub(crate) fn namespace_object<'a>(context: &DocumentContext<'a>) -> Option<&'a Object> {
    let namespace = context.object.identity.namespace.as_deref()?;
    context.all.named("Namespace", None, namespace).next()
}

/// Reads every policy file, then builds the rules.
pub(crate) struct Loader {
    environments: Environments,
    rules: Vec<Rule>,
    /// Where each id was defined, to report duplicates.
    ids: BTreeMap<String, (PathBuf, u32)>,
    admission: Vec<(AdmissionPolicy, PathBuf)>,
    bindings: Vec<Binding>,
    notes: Vec<String>,
}

impl Loader {
    pub(crate) fn new(config: &Config) -> Result<Loader, ConfigError> {
        Ok(Loader {
            environments: Environments::from_config(config)?,
            rules: Vec::new(),
            ids: BTreeMap::new(),
            admission: Vec::new(),
            bindings: Vec::new(),
            notes: Vec::new(),
        })
    }

    fn claim_id(
        &mut self,
        id: &str,
        file: &PolicyFile<'_>,
        span: TextRange,
        key: &str,
    ) -> Result<(), ConfigError> {
        if !valid_id(id) {
            return Err(error_at(
                file,
                span,
                key,
                format!("invalid rule id `{id}`: use lowercase letters, digits, `-` and `.`"),
            ));
        }
        if id == admission::INPUT_RULE_ID
            || crate::rules::builtin().iter().any(|rule| rule.id() == id)
        {
            return Err(error_at(
                file,
                span,
                key,
                format!("rule id `{id}` is the id of a built-in rule"),
            ));
        }
        if let Some((first_file, first_line)) = self.ids.get(id) {
            return Err(error_at(
                file,
                span,
                key,
                format!(
                    "duplicate rule id `{id}` (first defined at {}:{first_line})",
                    first_file.display()
                ),
            ));
        }
        self.ids
            .insert(id.to_owned(), (file.path.to_path_buf(), file.line(span)));
        Ok(())
    }

    pub(crate) fn add_file(
        &mut self,
        text: &str,
        file: &PolicyFile<'_>,
    ) -> Result<(), ConfigError> {
        for root in documents(text, file)? {
            let kind = root.get("kind").and_then(Node::as_str);
            match kind {
                Some("Policy") => self.add_policy(&root, file)?,
                Some("ValidatingAdmissionPolicy") => {
                    let policy = admission::parse_policy(&root)
                        .map_err(|(span, message)| error_at(file, span, "", message))?;
                    let name_span = root
                        .pointer("/metadata/name")
                        .map_or(root.span, |name| name.span);
                    self.claim_id(&policy.name, file, name_span, "metadata.name")?;
                    for (span, note) in &policy.notes {
                        self.notes.push(format!(
                            "{}:{}: ValidatingAdmissionPolicy {}: {note}",
                            file.path.display(),
                            file.line(*span),
                            policy.name
                        ));
                    }
                    self.admission.push((policy, file.path.to_path_buf()));
                }
                Some("ValidatingAdmissionPolicyBinding") => {
                    let binding = admission::parse_binding(&root)
                        .map_err(|(span, message)| error_at(file, span, "", message))?;
                    for (span, note) in &binding.notes {
                        self.notes.push(format!(
                            "{}:{}: ValidatingAdmissionPolicyBinding {}: {note}",
                            file.path.display(),
                            file.line(*span),
                            binding.name
                        ));
                    }
                    self.bindings.push(binding);
                }
                _ => {
                    let span = root.get("kind").map_or(root.span, |kind| kind.span);
                    return Err(error_at(
                        file,
                        span,
                        "kind",
                        "a policy file holds documents of kind Policy, ValidatingAdmissionPolicy or ValidatingAdmissionPolicyBinding",
                    ));
                }
            }
        }
        Ok(())
    }

    fn add_policy(&mut self, root: &Node, file: &PolicyFile<'_>) -> Result<(), ConfigError> {
        let entries = root.as_map().unwrap_or_default();
        for entry in entries {
            if !POLICY_KEYS.contains(&entry.key.as_str()) {
                return Err(unknown_key(file, entry.key_span, &entry.key, POLICY_KEYS));
            }
        }
        match root.get("apiVersion").and_then(Node::as_str) {
            Some("plimsoll.dev/v1") => {}
            _ => {
                let span = root.get("apiVersion").map_or(root.span, |node| node.span);
                return Err(error_at(
                    file,
                    span,
                    "apiVersion",
                    "a Policy has apiVersion: plimsoll.dev/v1",
                ));
            }
        }
        let rules = root.get("rules").and_then(Node::as_seq).ok_or_else(|| {
            error_at(file, root.span, "rules", "a Policy needs a list of `rules`")
        })?;
        for (at, node) in rules.iter().enumerate() {
            let rule = self.policy_rule(node, file, &format!("rules[{at}]"))?;
            self.rules.push(rule);
        }
        Ok(())
    }

    fn policy_rule(
        &mut self,
        node: &Node,
        file: &PolicyFile<'_>,
        key: &str,
    ) -> Result<Rule, ConfigError> {
        let entries = node
            .as_map()
            .ok_or_else(|| error_at(file, node.span, key, "a rule must be a mapping"))?;
        for entry in entries {
            if !RULE_KEYS.contains(&entry.key.as_str()) {
                return Err(unknown_key(
                    file,
                    entry.key_span,
                    &format!("{key}.{}", entry.key),
                    RULE_KEYS,
                ));
            }
        }
        let string = |name: &str| -> Result<Option<(String, TextRange)>, ConfigError> {
            match node.get(name) {
                None => Ok(None),
                Some(value) => value
                    .as_str()
                    .map(|text| Some((text.to_owned(), value.span)))
                    .ok_or_else(|| {
                        error_at(
                            file,
                            value.span,
                            &format!("{key}.{name}"),
                            "expected a string",
                        )
                    }),
            }
        };
        let (id, id_span) = string("id")?.ok_or_else(|| {
            error_at(
                file,
                node.span,
                &format!("{key}.id"),
                "a rule needs an `id`",
            )
        })?;
        self.claim_id(&id, file, id_span, &format!("{key}.id"))?;
        let severity = match string("severity")? {
            None => Severity::Error,
            Some((text, span)) => Severity::parse(&text).ok_or_else(|| {
                error_at(
                    file,
                    span,
                    &format!("{key}.severity"),
                    format!("unknown severity `{text}`; expected error, warning or info"),
                )
            })?,
        };
        let (expression_text, expression_span) = string("expression")?.ok_or_else(|| {
            error_at(
                file,
                node.span,
                &format!("{key}.expression"),
                "a rule needs an `expression`",
            )
        })?;
        let expression = compile_at(
            &expression_text,
            expression_span,
            file,
            &format!("{key}.expression"),
            VARIABLES,
        )?;
        let message_expression = match string("messageExpression")? {
            None => None,
            Some((text, span)) => Some(compile_at(
                &text,
                span,
                file,
                &format!("{key}.messageExpression"),
                VARIABLES,
            )?),
        };
        let message = string("message")?.map(|(text, _)| text);
        let pointer = match string("path")? {
            None => String::new(),
            Some((text, span)) => to_pointer(&text).ok_or_else(|| {
                error_at(
                    file,
                    span,
                    &format!("{key}.path"),
                    format!("`{text}` is neither a JSON pointer (/spec/replicas) nor a field path (spec.replicas)"),
                )
            })?,
        };
        let uses_namespace = expression.references("namespaceObject")
            || message_expression
                .as_ref()
                .is_some_and(|program| program.references("namespaceObject"));
        let mut rule = PolicyRule {
            uses_namespace,
            id: id.clone(),
            kinds: Vec::new(),
            namespaces: Vec::new(),
            environments: Vec::new(),
            selector: None,
            expression,
            expression_text: expression_text.clone(),
            message: message.clone(),
            message_expression,
            pointer,
            help: string("help")?.map(|(text, _)| text),
        };
        if let Some(matcher) = node.get("match") {
            self.read_match(matcher, file, &format!("{key}.match"), &mut rule)?;
        }
        let summary = string("summary")?
            .map(|(text, _)| text)
            .or(message)
            .unwrap_or_else(|| summary_of(&expression_text));
        let rationale = string("description")?
            .map(|(text, _)| text)
            .unwrap_or_else(|| format!("Custom rule from {}.", file.path.display()));
        let meta = RuleMeta {
            id: Cow::Owned(id),
            category: Category::Custom,
            default_severity: severity,
            summary: Cow::Owned(summary),
            rationale: Cow::Owned(rationale),
            fix: Cow::Owned(
                rule.help
                    .clone()
                    .unwrap_or_else(|| format!("Make the object satisfy `{expression_text}`.")),
            ),
            bad: Cow::Borrowed(""),
            good: Cow::Borrowed(""),
        };
        let uses_namespace = rule.uses_namespace;
        let rule = Arc::new(rule);
        let checking = Rule::document(meta, move |context, sink| rule.check(context, sink));
        // `namespaceObject` is looked up among the input's objects.
        Ok(if uses_namespace {
            checking.reading_input()
        } else {
            checking
        })
    }

    fn read_match(
        &self,
        node: &Node,
        file: &PolicyFile<'_>,
        key: &str,
        rule: &mut PolicyRule,
    ) -> Result<(), ConfigError> {
        let entries = node
            .as_map()
            .ok_or_else(|| error_at(file, node.span, key, "`match` must be a mapping"))?;
        for entry in entries {
            let name = entry.key.as_str();
            let here = format!("{key}.{name}");
            let strings = || -> Result<Vec<(String, TextRange)>, ConfigError> {
                entry
                    .value
                    .as_seq()
                    .ok_or_else(|| {
                        error_at(file, entry.value.span, &here, "expected a list of strings")
                    })?
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map(|text| (text.to_owned(), item.span))
                            .ok_or_else(|| error_at(file, item.span, &here, "expected a string"))
                    })
                    .collect()
            };
            match name {
                "kinds" => {
                    for (text, span) in strings()? {
                        rule.kinds.push(KindMatch::parse(&text).ok_or_else(|| {
                            error_at(
                                file,
                                span,
                                &here,
                                format!("`{text}` is not a kind (Deployment, apps/Deployment, apps/v1/Deployment, v1/Pod)"),
                            )
                        })?);
                    }
                }
                "namespaces" => {
                    rule.namespaces = strings()?.into_iter().map(|(text, _)| text).collect()
                }
                "environments" => {
                    for (text, span) in strings()? {
                        let id = self.environments.lookup(&text).ok_or_else(|| {
                            error_at(file, span, &here, format!("unknown environment `{text}`"))
                        })?;
                        rule.environments.push(id);
                    }
                }
                "labelSelector" => {
                    rule.selector =
                        Some(select::parse(&entry.value).map_err(|(node, message)| {
                            error_at(file, node.span, &here, message)
                        })?);
                }
                _ => return Err(unknown_key(file, entry.key_span, &here, MATCH_KEYS)),
            }
        }
        Ok(())
    }

    /// The rules, with the admission policies bound by the bindings of the
    /// policy files (bindings in the input are found at check time).
    pub(crate) fn finish(self) -> Result<(Vec<Rule>, Vec<String>), ConfigError> {
        let Loader {
            mut rules,
            admission,
            bindings,
            mut notes,
            ..
        } = self;
        rules.push(admission::input_rule());
        let bindings = Arc::new(bindings);
        for (policy, file) in admission {
            let bound = bindings
                .iter()
                .any(|binding| binding.policy_name == policy.name);
            if !bound {
                notes.push(format!(
                    "{}: ValidatingAdmissionPolicy {} has no binding in the policy files; it is evaluated only where a ValidatingAdmissionPolicyBinding in the checked input binds it",
                    file.display(),
                    policy.name
                ));
            }
            rules.push(admission::policy_rule(policy, Arc::clone(&bindings), &file));
        }
        Ok((rules, notes))
    }
}

/// A one-line summary of an expression, for rules without a message.
fn summary_of(expression: &str) -> String {
    let flat = expression.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut summary: String = flat.chars().take(80).collect();
    if summary.len() < flat.len() {
        summary.push('…');
    }
    format!("custom rule: {summary}")
}

fn unknown_key(file: &PolicyFile<'_>, span: TextRange, key: &str, allowed: &[&str]) -> ConfigError {
    let name = key.rsplit('.').next().unwrap_or(key);
    error_at(
        file,
        span,
        key,
        format!(
            "unknown key `{name}`; expected one of: {}",
            allowed.join(", ")
        ),
    )
}

/// Compiles an expression written at `span` of a policy file.
pub(crate) fn compile_at(
    text: &str,
    span: TextRange,
    file: &PolicyFile<'_>,
    key: &str,
    variables: &[&str],
) -> Result<Compiled, ConfigError> {
    expr::compile(text, variables).map_err(|error| {
        error_at(
            file,
            span,
            key,
            format!(
                "the expression does not compile (at {}:{} in the expression): {}",
                error.line, error.column, error.message
            ),
        )
    })
}
