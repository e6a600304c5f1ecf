//! Findings before the report: what rules, loading and commands produce
//! ([`Pending`]), in bytes and ids, before the report stage configures,
//! suppresses and places them at lines and columns.

use std::borrow::Cow;
use std::sync::Arc;

use crate::environment::EnvId;
use crate::finding::{ResourceRef, Severity};
use crate::fix::Fix;
use crate::model::{Artifact, FileId, Object, ObjectId};
use crate::rules::{Anchor, ArtifactViolation, Rule, Target, Violation};
use crate::source::TextRange;
use crate::yaml::Locator;

/// The findings of rule violations on `objects`.
pub(super) fn pending_of(violations: Vec<(&Rule, Violation)>, objects: &[Object]) -> Vec<Pending> {
    let mut locator = Locator::default();
    violations
        .into_iter()
        .filter_map(|(rule, violation)| {
            let object = objects.get(violation.object.0)?;
            Some(Pending::from_violation(
                rule,
                violation,
                object,
                objects,
                &mut locator,
            ))
        })
        .collect()
}

/// A finding before suppression and configuration.
pub(crate) struct Pending {
    pub(super) rule: Cow<'static, str>,
    /// The rule that reported it, when it reports under another id.
    pub(super) reporter: Option<Cow<'static, str>>,
    /// The severity the rule asked for (else the rule default applies).
    pub(super) severity: Option<Severity>,
    pub(super) file: FileId,
    pub(super) document: usize,
    /// Where in the file (resolved to lines and columns when the report is
    /// made, for the few places that have findings).
    pub(super) span: TextRange,
    pub(super) message: String,
    pub(super) help: Option<String>,
    pub(super) source: Option<Arc<str>>,
    pub(super) resource: Option<ResourceRef>,
    pub(crate) environment: Option<EnvId>,
    pub(super) path: Option<String>,
    pub(super) object: Option<ObjectId>,
    /// Reported once per run with the others of its rule and key.
    pub(super) once_per: Option<String>,
    /// The span is itself a secret value, masked in every snippet.
    pub(super) masks_its_span: bool,
    /// The safe fix the rule offers.
    pub(super) fix: Option<Fix>,
    /// Other places that matter (secondary labels).
    pub(super) related: Vec<PendingRelated>,
}

/// A related place of a pending finding, in bytes until the report is made.
pub(super) struct PendingRelated {
    pub(super) place: PendingPlace,
    pub(super) message: String,
}

pub(super) enum PendingPlace {
    /// A range of a file of the input.
    Input { file: FileId, span: TextRange },
    /// A key of the config file.
    Config(String),
}

impl Pending {
    pub(super) fn load(
        rule: &'static str,
        file: FileId,
        document: usize,
        span: TextRange,
        message: String,
    ) -> Pending {
        Pending::bare(Cow::Borrowed(rule), file, document, span, message)
    }

    /// A finding at a place, with nothing else known yet; the other
    /// constructors fill in what they know.
    fn bare(
        rule: Cow<'static, str>,
        file: FileId,
        document: usize,
        span: TextRange,
        message: String,
    ) -> Pending {
        Pending {
            rule,
            reporter: None,
            severity: None,
            file,
            document,
            span,
            message,
            help: None,
            source: None,
            resource: None,
            environment: None,
            path: None,
            object: None,
            once_per: None,
            masks_its_span: false,
            fix: None,
            related: Vec::new(),
        }
    }

    /// The finding of a violation; `locator` resolves its pointer (shared
    /// by the violations of a batch, so many findings in one large mapping
    /// do not each scan it).
    fn from_violation<'o>(
        rule: &Rule,
        violation: Violation,
        object: &'o Object,
        objects: &'o [Object],
        locator: &mut Locator<'o>,
    ) -> Pending {
        let (span, pointer) = target_span(object, &violation.target, locator);
        let related = violation
            .related
            .into_iter()
            .filter_map(|related| {
                let place = match related.anchor {
                    Anchor::Object { object: id, target } => {
                        let other = objects.get(id.0)?;
                        let (span, _) = target_span(other, &target, locator);
                        PendingPlace::Input {
                            file: other.file,
                            span,
                        }
                    }
                    Anchor::Config(key) => PendingPlace::Config(key),
                };
                Some(PendingRelated {
                    place,
                    message: related.message,
                })
            })
            .collect();
        let (id, reporter) = match violation.rule {
            Some(id) => (id, Some(rule.meta.id.clone())),
            None => (rule.meta.id.clone(), None),
        };
        Pending {
            rule: id,
            reporter,
            severity: Some(violation.severity.unwrap_or(rule.meta.default_severity)),
            file: object.file,
            document: object.document,
            span,
            message: violation.message,
            help: violation.help,
            source: object.source.clone(),
            resource: Some(object.identity.to_ref()),
            environment: object.environment,
            path: pointer.map(|pointer| format!("{}{pointer}", object.pointer_prefix)),
            object: Some(object.id),
            once_per: violation.once_per,
            masks_its_span: false,
            fix: violation.fix.map(|fix| fix.under(&object.pointer_prefix)),
            related,
        }
    }
}

/// Where a target of `object` is, and its JSON pointer when it has one.
fn target_span<'o>(
    object: &'o Object,
    target: &Target,
    locator: &mut Locator<'o>,
) -> (TextRange, Option<String>) {
    match target {
        Target::Value(pointer) => (
            locator.locate(&object.node, pointer).span,
            Some(pointer.clone()),
        ),
        Target::Key(pointer) => (
            locator
                .key_span(&object.node, pointer)
                .unwrap_or_else(|| locator.locate(&object.node, pointer).span),
            Some(pointer.clone()),
        ),
        Target::Span(span) => (*span, None),
    }
}

impl Pending {
    pub(super) fn from_artifact_violation(
        rule: &Rule,
        violation: ArtifactViolation,
        artifact: &Artifact,
    ) -> Pending {
        let span = artifact.node.locate(&violation.pointer).span;
        Pending {
            severity: Some(violation.severity.unwrap_or(rule.meta.default_severity)),
            help: violation.help,
            environment: artifact.environment,
            path: Some(violation.pointer),
            ..Pending::bare(
                rule.meta.id.clone(),
                artifact.file,
                artifact.document,
                span,
                violation.message,
            )
        }
    }

    /// A finding of a command that has no document to point at.
    pub(crate) fn nowhere(rule: &Rule, message: String, help: Option<String>) -> Pending {
        Pending {
            help,
            // No file: reported with an empty file name at 1:1.
            ..Pending::bare(
                rule.meta.id.clone(),
                FileId(usize::MAX),
                0,
                TextRange::default(),
                message,
            )
        }
    }

    /// A finding of a command (such as `promote`) rather than of a rule
    /// check.
    pub(crate) fn at(
        rule: &Rule,
        severity: Option<Severity>,
        place: Place<'_>,
        message: String,
        help: Option<String>,
    ) -> Pending {
        match place {
            Place::Object(object, pointer) => {
                let violation = Violation::at_value(object, pointer, message);
                let violation = match help {
                    Some(help) => violation.with_help(help),
                    None => violation,
                };
                let violation = match severity {
                    Some(severity) => violation.with_severity(severity),
                    None => violation,
                };
                Pending::from_violation(rule, violation, object, &[], &mut Locator::default())
            }
            Place::Artifact(artifact, pointer) => {
                let mut violation = ArtifactViolation::at_value(artifact, pointer, message);
                violation.help = help;
                violation.severity = severity;
                Pending::from_artifact_violation(rule, violation, artifact)
            }
        }
    }

    /// Adds a related place (a command's finding: the image a promotion's
    /// source environment runs).
    pub(crate) fn with_related(mut self, place: Place<'_>, message: impl Into<String>) -> Pending {
        let (file, span) = match place {
            Place::Object(object, pointer) => (object.file, object.node.locate(pointer).span),
            Place::Artifact(artifact, pointer) => {
                (artifact.file, artifact.node.locate(pointer).span)
            }
        };
        self.related.push(PendingRelated {
            place: PendingPlace::Input { file, span },
            message: message.into(),
        });
        self
    }
}

/// Where a command's finding points.
pub(crate) enum Place<'a> {
    /// The value at a pointer of an object.
    Object(&'a Object, &'a str),
    /// The value at a pointer of a release artifact.
    Artifact(&'a Artifact, &'a str),
}
