//! A report in the making: the findings of a run are configured (severity,
//! environments), matched against suppressions (ignore comments,
//! annotations), placed at lines and columns with their related places,
//! and sorted into a [`Report`]; a check also reports the suppressions
//! that suppressed nothing (`unused-suppression`).

use std::collections::HashMap;
use std::sync::Arc;

use super::options::suggestion;
use super::pending::{Pending, PendingPlace, PendingRelated};
use super::Engine;
use crate::finding::{CheckedFile, Finding, Related, Summary, SuppressedBy, SuppressedFinding};
use crate::model::{FileId, Object};
use crate::render::mask::SecretMasks;
use crate::report::{Report, Snippets};
use crate::rules::{unused_suppression, Rule};
use crate::source::{LineIndex, Position, Span};
use crate::suppress::{annotated_rules, annotation_suppression, Directives, IGNORE_ANNOTATION};

/// The files of a batch: paths and texts by [`FileId`].
#[derive(Clone, Copy)]
struct Files<'a> {
    paths: &'a [String],
    texts: &'a [Option<Arc<str>>],
}

/// A report in the making: findings are configured, suppressed and given
/// lines and columns a batch of files at a time.
#[derive(Default)]
pub(super) struct ReportBuilder {
    /// Findings, a batch of pending ones at a time.
    findings: Vec<Vec<Finding>>,
    suppressed: Vec<SuppressedFinding>,
    summary: Summary,
    files: Vec<CheckedFile>,
    snippets: Snippets,
    /// Keep no line of text for snippets (no renderer will draw them).
    no_source_lines: bool,
    pub(super) documents: usize,
    /// Findings reported once per run (see [`Violation::once_per`]), by
    /// rule and key: the first so far, its line's text, and how many.
    once: HashMap<(String, String), OnceFinding>,
    /// The ignore comments of every file checked, by path, each rule they
    /// name marked when it suppresses a finding.
    directives: HashMap<String, Directives>,
    /// The `plimsoll.dev/ignore` annotations, by file and document.
    annotations: HashMap<AnnotationKey, IgnoreAnnotation>,
}

/// An object by file, document and place in it (the items of a `kind:
/// List` share their document).
type AnnotationKey = (String, usize, String);

fn annotation_key(file: &str, object: &Object) -> AnnotationKey {
    (
        file.to_owned(),
        object.document,
        object.pointer_prefix.clone(),
    )
}

/// An object's `plimsoll.dev/ignore` annotation: the rules it names, each
/// with whether it suppressed anything, and where it is written.
struct IgnoreAnnotation {
    rules: Vec<(String, bool)>,
    span: Span,
    line_text: Option<Box<str>>,
}

/// The finding that stands for all of a rule's findings with one key.
struct OnceFinding {
    first: Finding,
    line_text: Option<Box<str>>,
    count: usize,
}

impl ReportBuilder {
    /// A report of `engine`'s check, keeping the lines of its findings
    /// unless the engine was told not to.
    pub(super) fn of(engine: &Engine) -> ReportBuilder {
        ReportBuilder {
            no_source_lines: !engine.source_lines,
            ..ReportBuilder::default()
        }
    }

    /// Whether to keep the text of `line` of `file`: the first text kept
    /// stays.
    fn wants_line(&self, file: &str, line: u32) -> bool {
        !self.no_source_lines && !self.snippets.has(file, line)
    }

    /// Keeps the text of a line for snippets.
    fn keep_line(&mut self, file: &str, line: u32, text: &str) {
        if !self.no_source_lines {
            self.snippets.add(file, line, text);
        }
    }

    /// Adds files and the objects they hold; `objects` refer to `file_paths`
    /// by position.
    pub(super) fn add_files(
        &mut self,
        file_paths: &[String],
        objects: &[Object],
        texts: &[Option<Arc<str>>],
    ) {
        let first = self.files.len();
        self.files.extend(file_paths.iter().map(|path| CheckedFile {
            path: path.clone(),
            resources: Vec::new(),
        }));
        for (path, text) in file_paths.iter().zip(texts) {
            if let Some(text) = text {
                let directives = Directives::parse(text);
                if !directives.is_empty() {
                    self.directives.entry(path.clone()).or_insert(directives);
                }
            }
        }
        let mut line_indexes: HashMap<FileId, LineIndex> = HashMap::new();
        for object in objects {
            if let Some(file) = self.files.get_mut(first + object.file.0) {
                file.resources.push(object.identity.to_ref());
            }
            let (Some(node), Some(value)) = (
                object
                    .node
                    .get_path(&["metadata", "annotations", IGNORE_ANNOTATION]),
                object.annotation(IGNORE_ANNOTATION),
            ) else {
                continue;
            };
            let (Some(path), Some(Some(text))) =
                (file_paths.get(object.file.0), texts.get(object.file.0))
            else {
                continue;
            };
            let index = line_indexes
                .entry(object.file)
                .or_insert_with(|| LineIndex::new(text));
            let span = index.span(text, node.span);
            let line_text = index
                .line_range(text, span.start.line)
                .and_then(|range| text.get(range))
                .map(Box::from);
            let rules = annotated_rules(&value)
                .map(|rule| (rule.to_owned(), false))
                .collect();
            self.annotations.insert(
                annotation_key(path, object),
                IgnoreAnnotation {
                    rules,
                    span,
                    line_text,
                },
            );
        }
    }

    /// Marks the annotation rule that suppressed a finding as used.
    fn use_annotation(&mut self, file: &str, object: &Object, rule: &str) {
        if let Some(annotation) = self.annotations.get_mut(&annotation_key(file, object)) {
            for (named, used) in &mut annotation.rules {
                if named == rule {
                    *used = true;
                }
            }
        }
    }

    /// Reports every rule an ignore comment or annotation names that
    /// suppressed nothing (`unused-suppression`). Only rules that ran are
    /// judged; a name that is no rule at all is reported as such.
    fn add_unused_suppressions(&mut self, engine: &Engine) {
        let Some(policy) = engine.policies.get(unused_suppression::ID) else {
            return;
        };
        let severity = policy.severity.unwrap_or(policy.default_severity);
        let known: Vec<&str> = engine.rules.iter().map(Rule::id).collect();
        let judge = |rule: &str| -> Option<String> {
            if rule == unused_suppression::ID {
                // Reported after every suppression is matched: an ignore of
                // it has nothing to suppress, and is not itself judged.
                None
            } else if engine.policies.contains_key(rule) {
                Some(format!("`{rule}` suppressed nothing here"))
            } else if known.contains(&rule) {
                // Not run: nothing to tell.
                None
            } else {
                Some(format!(
                    "`{rule}` is not a rule{}",
                    suggestion(rule, &known)
                ))
            }
        };
        let mut found = Vec::new();
        for (file, directives) in &self.directives {
            for unused in directives.unused() {
                let Some(message) = judge(unused.rule) else {
                    continue;
                };
                let what = if unused.whole_file {
                    "ignore-file"
                } else {
                    "ignore"
                };
                let span = Span {
                    start: Position {
                        line: unused.line,
                        column: unused.columns.0,
                        offset: unused.offsets.0,
                    },
                    end: Position {
                        line: unused.line,
                        column: unused.columns.1,
                        offset: unused.offsets.1,
                    },
                };
                found.push((
                    file.clone(),
                    span,
                    format!("{message}: remove it from this `# plimsoll: {what}[…]` comment"),
                    Some(unused.text.to_owned()),
                ));
            }
        }
        for ((file, _, _), annotation) in &self.annotations {
            for (rule, used) in &annotation.rules {
                if *used {
                    continue;
                }
                let Some(message) = judge(rule) else {
                    continue;
                };
                found.push((
                    file.clone(),
                    annotation.span,
                    format!("{message}: remove it from the {IGNORE_ANNOTATION} annotation"),
                    annotation.line_text.as_deref().map(str::to_owned),
                ));
            }
        }
        let mut batch = Vec::with_capacity(found.len());
        for (file, span, message, line_text) in found {
            // Ignored like any finding: `# plimsoll: ignore[unused-suppression]`.
            let reason = self.directives.get_mut(&file).and_then(|directives| {
                directives.suppression(unused_suppression::ID, span.start.line)
            });
            let mut finding = Finding::new(unused_suppression::ID, severity, message, file, span);
            finding.help = Some(
                "delete the rule from the suppression (or the whole comment or annotation when it names nothing else)"
                    .to_owned(),
            );
            if let Some(reason) = reason {
                self.suppressed.push(SuppressedFinding {
                    finding,
                    by: SuppressedBy::Comment,
                    reason,
                });
                continue;
            }
            self.summary.count(severity);
            if let Some(line_text) = line_text {
                self.keep_line(&finding.file, span.start.line, &line_text);
            }
            batch.push(finding);
        }
        self.findings.push(batch);
    }

    /// Configures, suppresses and places findings. Their file and object ids
    /// refer to `file_paths`, `texts` and `objects` by position.
    pub(super) fn add_pending(
        &mut self,
        engine: &Engine,
        pending: Vec<Pending>,
        objects: &[Object],
        file_paths: &[String],
        texts: &[Option<Arc<str>>],
    ) {
        let masks = SecretMasks::new(objects);
        self.add_pending_masked(engine, pending, objects, (file_paths, texts), masks);
    }

    /// [`ReportBuilder::add_pending`], masking the secret values `masks`
    /// knows in the snippets.
    pub(super) fn add_pending_masked(
        &mut self,
        engine: &Engine,
        pending: Vec<Pending>,
        objects: &[Object],
        (file_paths, texts): (&[String], &[Option<Arc<str>>]),
        mut secret_masks: SecretMasks<'_>,
    ) {
        let mut line_indexes: HashMap<FileId, LineIndex> = HashMap::new();
        let mut findings = Vec::with_capacity(pending.len());
        for item in pending {
            // A finding reported under another id is configured by the rule
            // that reported it.
            let governing = item.reporter.as_ref().unwrap_or(&item.rule);
            let Some(policy) = engine.policies.get(governing.as_ref()) else {
                continue;
            };
            let text = texts.get(item.file.0).cloned().flatten();
            let (span, line_text) = match text.as_deref() {
                Some(text) => {
                    let index = line_indexes
                        .entry(item.file)
                        .or_insert_with(|| LineIndex::new(text));
                    let span = index.span(text, item.span);
                    let line_text = index
                        .line_range(text, span.start.line)
                        .and_then(|range| Some((range.start, text.get(range)?)));
                    (span, line_text)
                }
                None => (Span::point(Position::START), None),
            };
            let file = file_paths.get(item.file.0).cloned().unwrap_or_default();
            let annotated = item.object.and_then(|id| objects.get(id.0));
            let by_annotation =
                annotated.and_then(|object| annotation_suppression(object, &item.rule));
            // Suppressions are matched before the rule's environments are:
            // an ignore that would hide a finding only dropped for its
            // environment is not an unused one.
            let suppressed_by = match (by_annotation, annotated) {
                (Some(reason), Some(object)) => {
                    self.use_annotation(&file, object, &item.rule);
                    Some((SuppressedBy::Annotation, reason))
                }
                _ => self
                    .directives
                    .get_mut(&file)
                    .and_then(|directives| directives.suppression(&item.rule, span.start.line))
                    .map(|reason| (SuppressedBy::Comment, reason)),
            };
            if let Some(allowed) = &policy.environments {
                if !item.environment.is_some_and(|e| allowed.contains(&e)) {
                    continue;
                }
            }
            let severity = policy
                .severity
                .or(item.severity)
                .unwrap_or(policy.default_severity);
            let once_per = item.once_per;
            if suppressed_by.is_none() && once_per.is_none() {
                self.summary.count(severity);
                let wanted = self.wants_line(&file, span.start.line);
                if let (true, Some(text), Some((line_start, line_text))) =
                    (wanted, text.as_deref(), line_text)
                {
                    // No output may show a secret value (SPEC section 5).
                    // A line is masked once, however many findings it holds.
                    let line_text = if item.masks_its_span {
                        crate::render::mask::mask_line(text, line_start, line_text, &[item.span])
                    } else {
                        secret_masks.mask(item.file, text, line_start, line_text)
                    };
                    self.snippets.add(&file, span.start.line, &line_text);
                }
            }
            let related = self.resolve_related(
                engine,
                item.related,
                suppressed_by.is_none(),
                Files {
                    paths: file_paths,
                    texts,
                },
                &mut line_indexes,
                &mut secret_masks,
            );
            let finding = Finding {
                related,
                rule: item.rule,
                severity,
                message: item.message,
                help: item.help,
                file,
                span,
                document: item.document,
                source: item.source.map(|source| source.to_string()),
                resource: item.resource,
                environment: item
                    .environment
                    .and_then(|id| engine.environments.get(id))
                    .map(|environment| environment.name.clone()),
                path: item.path.filter(|path| !path.is_empty()),
                fix: item.fix,
            };
            match (suppressed_by, once_per) {
                (Some((by, reason)), _) => self.suppressed.push(SuppressedFinding {
                    finding,
                    by,
                    reason,
                }),
                (None, Some(key)) => self.add_once(key, finding, line_text.map(|(_, line)| line)),
                (None, None) => findings.push(finding),
            }
        }
        findings.shrink_to_fit();
        self.findings.push(findings);
    }

    /// The related places of a finding in lines and columns; with
    /// `keep_lines`, their lines are kept for snippets (masked as the
    /// finding's own).
    fn resolve_related(
        &mut self,
        engine: &Engine,
        related: Vec<PendingRelated>,
        keep_lines: bool,
        files: Files<'_>,
        line_indexes: &mut HashMap<FileId, LineIndex>,
        secret_masks: &mut SecretMasks<'_>,
    ) -> Vec<Related> {
        let mut resolved = Vec::with_capacity(related.len());
        for PendingRelated { place, message } in related {
            let (file, span) = match place {
                PendingPlace::Input { file, span } => {
                    let (Some(Some(text)), Some(path)) =
                        (files.texts.get(file.0), files.paths.get(file.0))
                    else {
                        continue;
                    };
                    let index = line_indexes
                        .entry(file)
                        .or_insert_with(|| LineIndex::new(text));
                    let span = index.span(text, span);
                    let line = span.start.line;
                    if keep_lines && self.wants_line(path, line) {
                        let line_text = index
                            .line_range(text, line)
                            .and_then(|range| Some((range.start, text.get(range)?)));
                        if let Some((line_start, line_text)) = line_text {
                            let masked = secret_masks.mask(file, text, line_start, line_text);
                            self.snippets.add(path, line, &masked);
                        }
                    }
                    (path.clone(), span)
                }
                PendingPlace::Config(key) => {
                    let (Some(span), Some(path)) =
                        (engine.config.places.span(&key), &engine.config.path)
                    else {
                        continue;
                    };
                    let path = path.display().to_string();
                    if let (true, Some(line)) =
                        (keep_lines, engine.config.places.line(span.start.line))
                    {
                        self.keep_line(&path, span.start.line, line);
                    }
                    (path, span)
                }
            };
            resolved.push(Related {
                file,
                span,
                message,
            });
        }
        resolved
    }

    /// Counts a finding reported once per run; the first in report order
    /// stands for the others.
    fn add_once(&mut self, key: String, finding: Finding, line_text: Option<&str>) {
        let entry = self.once.entry((finding.rule.to_string(), key));
        match entry {
            std::collections::hash_map::Entry::Vacant(vacant) => {
                vacant.insert(OnceFinding {
                    first: finding,
                    line_text: line_text.map(Box::from),
                    count: 1,
                });
            }
            std::collections::hash_map::Entry::Occupied(mut occupied) => {
                let once = occupied.get_mut();
                once.count += 1;
                if finding.sort_key() < once.first.sort_key() {
                    once.first = finding;
                    once.line_text = line_text.map(Box::from);
                }
            }
        }
    }

    /// The report of a check: [`ReportBuilder::build`] after the unused
    /// suppressions are reported.
    pub(super) fn finish_check(mut self, engine: &Engine) -> Report {
        self.add_unused_suppressions(engine);
        self.build()
    }

    pub(super) fn build(mut self) -> Report {
        let once = std::mem::take(&mut self.once);
        let mut batch = Vec::with_capacity(once.len());
        for OnceFinding {
            mut first,
            line_text,
            count,
        } in once.into_values()
        {
            if count > 1 {
                first.message = format!("{} (and {} more like it)", first.message, count - 1);
            }
            self.summary.count(first.severity);
            if let Some(line_text) = line_text {
                self.keep_line(&first.file, first.span.start.line, &line_text);
            }
            batch.push(first);
        }
        self.findings.push(batch);
        let ReportBuilder {
            findings: batches,
            mut suppressed,
            mut summary,
            mut files,
            snippets,
            documents,
            once: _,
            directives: _,
            annotations: _,
            no_source_lines: _,
        } = self;
        // One exact allocation, the batches freed as they move in: a vector
        // grown finding by finding would need up to three times the room
        // while it last doubles (a million documents have millions of
        // findings). The order is total, so an unstable sort (which needs
        // no second buffer) gives the same report whatever order the
        // batches came in.
        let mut findings: Vec<Finding> = Vec::with_capacity(batches.iter().map(Vec::len).sum());
        for batch in batches {
            findings.extend(batch);
        }
        findings.sort_unstable_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        suppressed.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
        summary.files = files.len();
        summary.documents = documents;
        summary.suppressed = suppressed.len();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Report {
            findings,
            summary,
            suppressed,
            files,
            snippets,
        }
    }
}
