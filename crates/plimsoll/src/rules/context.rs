//! What a rule sees, and how it reports.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::RuleConfig;
use crate::environment::{Environment, Environments};
use crate::finding::Severity;
use crate::fix::Fix;
use crate::model::{Artifact, ArtifactId, CodeownersFile, FileId, Object, ObjectId, StatedDigests};
use crate::schema::RunSchemas;
use crate::source::TextRange;

/// What a document rule sees: one object.
pub struct DocumentContext<'a> {
    /// The object.
    pub object: &'a Object,
    /// Its environment, when resolved.
    pub environment: Option<&'a Environment>,
    /// The environment graph (to recognise the names of the others).
    pub environments: &'a Environments,
    /// What rules read of the configuration.
    pub config: RuleConfig<'a>,
    /// Schemas: bundled, `--schema-location`, and the CRDs of this run.
    pub(crate) schemas: &'a RunSchemas,
    /// The digests the input states for image tags (empty when the run
    /// checks its files as they load, before it has seen them all).
    pub digests: &'a StatedDigests,
    /// Every object of the run, whatever its environment (to look up the
    /// Namespace of an object, or objects another one refers to), for rules
    /// marked with [`Rule::reading_input`](crate::rules::Rule::reading_input);
    /// empty for the others.
    pub all: &'a ObjectIndex<'a>,
}

/// What a set rule sees: every object of one environment (or every object
/// with no environment).
pub struct SetContext<'a> {
    /// The environment, or `None` for objects with no environment.
    pub environment: Option<&'a Environment>,
    /// The objects, indexed.
    pub index: &'a ObjectIndex<'a>,
    /// Objects of the run whatever their environment, in run order: for
    /// references that cross environments (Flux `dependsOn`, a
    /// ClusterSecretStore kept outside the environment directories, a
    /// ServiceAccount in a shared file). Report only on objects of
    /// [`SetContext::index`], or a finding repeats once per environment.
    pub all: &'a ObjectIndex<'a>,
    /// The environment graph.
    pub environments: &'a Environments,
    /// What rules read of the configuration.
    pub config: RuleConfig<'a>,
    /// Every release artifact of the run (Helm values files and
    /// `component-tags.json`), whatever its environment: a release artifact
    /// often has none (see [`SetContext::artifacts_here`]).
    pub artifacts: &'a [Artifact],
    pub(crate) file_paths: &'a [String],
    /// The repository's CODEOWNERS, for rules marked with
    /// [`Rule::reading_codeowners`](crate::rules::Rule::reading_codeowners)
    /// (empty for the others).
    pub(crate) codeowners: &'a CodeownersFile,
}

impl SetContext<'_> {
    /// The path of a file, as given.
    pub fn file_path(&self, file: FileId) -> &str {
        self.file_paths
            .get(file.0)
            .map(String::as_str)
            .unwrap_or("")
    }
}

impl<'a> SetContext<'a> {
    /// The release artifacts of this context's environment (those with no
    /// environment when the context has none).
    pub fn artifacts_here(&self) -> impl Iterator<Item = &'a Artifact> + '_ {
        let environment = self.environment.map(|environment| environment.id);
        self.artifacts
            .iter()
            .filter(move |artifact| artifact.environment == environment)
    }
}

/// Objects of one environment (or of the whole run), indexed by kind,
/// namespace, name and labels.
pub struct ObjectIndex<'a> {
    objects: Vec<&'a Object>,
    by_kind: HashMap<&'a str, Vec<usize>>,
    by_namespace: HashMap<&'a str, Vec<usize>>,
    by_name: HashMap<(&'a str, Option<&'a str>, &'a str), Vec<usize>>,
    by_labels: OnceLock<HashMap<(&'a str, &'a str), Vec<usize>>>,
}

impl<'a> ObjectIndex<'a> {
    /// Indexes objects (in the run's order, which is file and document order).
    pub fn new(objects: Vec<&'a Object>) -> ObjectIndex<'a> {
        let mut by_kind: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_namespace: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_name: HashMap<_, Vec<usize>> = HashMap::with_capacity(objects.len());
        for (at, object) in objects.iter().enumerate() {
            let identity = &object.identity;
            by_kind.entry(identity.kind.as_str()).or_default().push(at);
            if let Some(namespace) = &identity.namespace {
                by_namespace.entry(namespace.as_str()).or_default().push(at);
            }
            by_name
                .entry((
                    identity.kind.as_str(),
                    identity.namespace.as_deref(),
                    identity.name.as_str(),
                ))
                .or_default()
                .push(at);
        }
        ObjectIndex {
            objects,
            by_kind,
            by_namespace,
            by_name,
            by_labels: OnceLock::new(),
        }
    }

    /// Every object.
    pub fn all(&self) -> &[&'a Object] {
        &self.objects
    }

    /// Objects of a kind (any group).
    pub fn of_kind(&self, kind: &str) -> impl Iterator<Item = &'a Object> + '_ {
        self.pick(self.by_kind.get(kind))
    }

    /// Objects that name this namespace.
    pub fn in_namespace(&self, namespace: &str) -> impl Iterator<Item = &'a Object> + '_ {
        self.pick(self.by_namespace.get(namespace))
    }

    /// The objects of a kind with this namespace and name (any group; a
    /// cluster-scoped object such as a Namespace has no namespace), in the
    /// run's order.
    pub fn named<'s>(
        &'s self,
        kind: &'s str,
        namespace: Option<&'s str>,
        name: &'s str,
    ) -> impl Iterator<Item = &'a Object> + 's {
        self.pick(self.by_name.get(&(kind, namespace, name)))
    }

    /// Objects carrying the label `key: value`.
    pub fn with_label(&self, key: &str, value: &str) -> Vec<&'a Object> {
        let labels: &HashMap<(&str, &str), Vec<usize>> = self.by_labels.get_or_init(|| {
            let mut by_labels: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
            for (at, object) in self.objects.iter().enumerate() {
                for label in object.labels() {
                    by_labels.entry(label).or_default().push(at);
                }
            }
            by_labels
        });
        labels
            .get(&(key, value))
            .into_iter()
            .flatten()
            .filter_map(|at| self.objects.get(*at).copied())
            .collect()
    }

    fn pick<'s>(
        &'s self,
        positions: Option<&'s Vec<usize>>,
    ) -> impl Iterator<Item = &'a Object> + 's {
        positions
            .into_iter()
            .flatten()
            .filter_map(|at| self.objects.get(*at).copied())
    }
}

/// What a finding points at inside its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The value at this JSON pointer (or, when it is missing, the key of
    /// its deepest existing ancestor).
    Value(String),
    /// The key that holds the value at this JSON pointer.
    Key(String),
    /// An exact span of the object's file.
    Span(TextRange),
}

/// Another place that matters to a violation, shown as a secondary label
/// (SPEC section 5 `related`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedPlace {
    /// Where.
    pub anchor: Anchor,
    /// What it is ("the first copy", "counted here").
    pub message: String,
}

/// Where a related place is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// A value or key of an object of the input.
    Object {
        /// The object.
        object: ObjectId,
        /// Where in it.
        target: Target,
    },
    /// The `.plimsoll.yaml` key whose setting the rule enforces, as the
    /// config names it (`environments[2].replicas.min`, `images.requireDigest`).
    Config(String),
}

/// A finding as a rule reports it; the engine adds the file, position,
/// resource and environment.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The object it is about.
    pub object: ObjectId,
    /// Where in the object.
    pub target: Target,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Severity, when it differs from the rule's default.
    pub severity: Option<Severity>,
    /// The rule id to report under, when it is not the reporting rule's own
    /// (a ValidatingAdmissionPolicy found in the input reports under its
    /// name); configured like the reporting rule.
    pub rule: Option<Cow<'static, str>>,
    /// Reported once per run for every violation of the rule with this key
    /// (a note that would repeat per document, such as "no schema for this
    /// kind"): the first, in report order, stands for the others and says
    /// how many there were.
    pub once_per: Option<String>,
    /// The safe fix offered, if any.
    pub fix: Option<Fix>,
    /// Other places that matter, in the order to show them.
    pub related: Vec<RelatedPlace>,
}

impl Violation {
    /// A violation about the value at `pointer` in `object`.
    pub fn at_value(
        object: &Object,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Violation {
        Violation::new(object, Target::Value(pointer.into()), message)
    }

    /// A violation about the key holding the value at `pointer`.
    pub fn at_key(
        object: &Object,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Violation {
        Violation::new(object, Target::Key(pointer.into()), message)
    }

    /// A violation about `object` at an explicit target.
    pub fn new(object: &Object, target: Target, message: impl Into<String>) -> Violation {
        Violation {
            object: object.id,
            target,
            message: message.into(),
            help: None,
            severity: None,
            rule: None,
            once_per: None,
            fix: None,
            related: Vec::new(),
        }
    }

    /// Adds how to fix it.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Violation {
        self.help = Some(help.into());
        self
    }

    /// Offers a safe fix (`check --fix`); its pointers are from the
    /// object's root.
    #[must_use]
    pub fn with_fix(mut self, fix: Fix) -> Violation {
        self.fix = Some(fix);
        self
    }

    /// Reports under another rule id than the reporting rule's.
    #[must_use]
    pub fn with_rule(mut self, rule: impl Into<Cow<'static, str>>) -> Violation {
        self.rule = Some(rule.into());
        self
    }

    /// Reports one finding per run for all the rule's violations with this
    /// key (see [`Violation::once_per`]).
    #[must_use]
    pub fn once_per(mut self, key: impl Into<String>) -> Violation {
        self.once_per = Some(key.into());
        self
    }

    /// Reports at another severity than the rule's default.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Violation {
        self.severity = Some(severity);
        self
    }

    /// Adds a place in another (or the same) object that matters: the
    /// first copy of a duplicate, an object a sum counted.
    #[must_use]
    pub fn with_related(
        mut self,
        object: &Object,
        target: Target,
        message: impl Into<String>,
    ) -> Violation {
        self.related.push(RelatedPlace {
            anchor: Anchor::Object {
                object: object.id,
                target,
            },
            message: message.into(),
        });
        self
    }

    /// Adds the `.plimsoll.yaml` key whose setting this violation breaks
    /// ("replicas.min configured here"); nothing when the config does not
    /// write it (defaults).
    #[must_use]
    pub fn configured_at(
        mut self,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Violation {
        self.related.push(RelatedPlace {
            anchor: Anchor::Config(key.into()),
            message: message.into(),
        });
        self
    }
}

/// A finding about a release artifact (a values file or
/// `component-tags.json`) rather than a Kubernetes object.
#[derive(Debug, Clone)]
pub struct ArtifactViolation {
    /// The artifact it is about.
    pub artifact: ArtifactId,
    /// The value at this JSON pointer (or the key of its deepest existing
    /// ancestor when it is missing).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Severity, when it differs from the rule's default.
    pub severity: Option<Severity>,
}

impl ArtifactViolation {
    /// A violation about the value at `pointer` in `artifact`.
    pub fn at_value(
        artifact: &Artifact,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> ArtifactViolation {
        ArtifactViolation {
            artifact: artifact.id,
            pointer: pointer.into(),
            message: message.into(),
            help: None,
            severity: None,
        }
    }

    /// Adds how to fix it.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> ArtifactViolation {
        self.help = Some(help.into());
        self
    }

    /// Reports at another severity than the rule's default.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> ArtifactViolation {
        self.severity = Some(severity);
        self
    }
}

/// Where a rule puts its violations.
#[derive(Debug, Default)]
pub struct Sink {
    violations: Vec<Violation>,
    artifact_violations: Vec<ArtifactViolation>,
}

impl Sink {
    /// Reports a violation.
    pub fn push(&mut self, violation: Violation) {
        self.violations.push(violation);
    }

    /// Reports a violation about a release artifact.
    pub fn push_artifact(&mut self, violation: ArtifactViolation) {
        self.artifact_violations.push(violation);
    }

    /// The violations about objects and about artifacts reported so far.
    pub(crate) fn into_parts(self) -> (Vec<Violation>, Vec<ArtifactViolation>) {
        (self.violations, self.artifact_violations)
    }

    /// The violations reported so far.
    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }
}
