//! Findings of a rendered Kustomize stream moved to the files its objects
//! came from.
//!
//! `kustomize build` with `buildMetadata: [originAnnotations]` writes, on
//! every object, the annotation `config.kubernetes.io/origin`: the file the
//! object was read from (`path:`), or the kustomization whose generator or
//! transformer made it (`configuredIn:`). A finding on the rendered stream
//! is moved to that file: to the line of the offending field when that file
//! spells it, else to the first line of the object there. The rendered
//! stream stays named as the finding's `source`, so SARIF and pull-request
//! annotations attach to a real file and line while the reader still knows
//! what was checked.

use std::collections::HashMap;

use crate::engine::Report;
use crate::source::{LineIndex, TextRange};
use crate::yaml::{parse_stream, Limits, Node, RawDocument};

/// The annotation Kustomize writes with each object's origin.
pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// A file findings may move to: its text and documents.
struct OriginFile {
    text: String,
    documents: Vec<RawDocument>,
    lines: LineIndex,
}

/// Moves the findings on the rendered stream `stream_name` (whose text is
/// `stream`) to the files its objects came from. `resolve` turns an origin
/// path as Kustomize wrote it into the name findings use for that file (or
/// `None` when it cannot be read); `read` gives a file's text by that name.
pub fn attach_to_origins(
    report: &mut Report,
    stream_name: &str,
    stream: &str,
    resolve: impl Fn(&str) -> Option<String>,
    read: impl Fn(&str) -> Option<String>,
) {
    let origins: Vec<Option<String>> = parse_stream(stream, &Limits::default())
        .iter()
        .map(|document| document.root.as_ref().and_then(origin_path))
        .collect();
    let mut files: HashMap<String, Option<OriginFile>> = HashMap::new();
    let mut moved_lines: Vec<(String, u32, String)> = Vec::new();
    for finding in &mut report.findings {
        if finding.file != stream_name {
            continue;
        }
        let Some(origin) = origins
            .get(finding.document)
            .cloned()
            .flatten()
            .and_then(|path| resolve(&path))
        else {
            continue;
        };
        let file = files.entry(origin.clone()).or_insert_with(|| {
            let text = read(&origin)?;
            let documents = parse_stream(&text, &Limits::default());
            let lines = LineIndex::new(&text);
            Some(OriginFile {
                text,
                documents,
                lines,
            })
        });
        let Some(file) = file else {
            continue;
        };
        let kind = finding
            .resource
            .as_ref()
            .map(|resource| resource.kind.as_str());
        let name = finding
            .resource
            .as_ref()
            .map(|resource| resource.name.as_str());
        let Some(root) = matching_document(&file.documents, kind, name) else {
            continue;
        };
        let located = finding
            .path
            .as_deref()
            .map(|pointer| root.locate(pointer))
            .filter(|located| located.exact);
        let range = located.map_or_else(|| first_line(root), |located| located.span);
        let span = file.lines.span(&file.text, range);
        if let Some(line) = file
            .lines
            .line_range(&file.text, span.start.line)
            .and_then(|range| file.text.get(range))
        {
            moved_lines.push((origin.clone(), span.start.line, line.to_owned()));
        }
        finding.source = Some(stream_name.to_owned());
        finding.file = origin;
        finding.span = span;
    }
    for (file, line, text) in moved_lines {
        report.add_source_line(&file, line, &text);
    }
    report
        .findings
        .sort_unstable_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// The file an object came from, by its origin annotation.
fn origin_path(root: &Node) -> Option<String> {
    let annotation = root
        .get_path(&["metadata", "annotations", ORIGIN_ANNOTATION])?
        .as_str()?;
    let documents = parse_stream(annotation, &Limits::default());
    let origin = documents.first()?.root.as_ref()?;
    ["path", "configuredIn"]
        .iter()
        .find_map(|key| origin.get(key).and_then(Node::as_str))
        .map(str::to_owned)
}

/// The document of the origin file holding the object: same kind and name,
/// else same kind (Kustomize may have renamed it), else the only one.
fn matching_document<'d>(
    documents: &'d [RawDocument],
    kind: Option<&str>,
    name: Option<&str>,
) -> Option<&'d Node> {
    let roots: Vec<&Node> = documents
        .iter()
        .filter_map(|document| document.root.as_ref())
        .collect();
    let field = |root: &Node, path: &[&str]| {
        root.get_path(path)
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    let same_kind = |root: &&Node| kind.is_some() && field(root, &["kind"]).as_deref() == kind;
    roots
        .iter()
        .copied()
        .find(|root| same_kind(root) && field(root, &["metadata", "name"]).as_deref() == name)
        .or_else(|| roots.iter().copied().find(same_kind))
        .or(match roots.as_slice() {
            [only] => Some(*only),
            _ => None,
        })
}

/// The start of an object: its first key.
fn first_line(root: &Node) -> TextRange {
    root.as_map()
        .and_then(|entries| entries.first())
        .map_or(TextRange::point(root.span.start), |entry| entry.key_span)
}
