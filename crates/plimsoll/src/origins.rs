//! Findings of a rendered Kustomize or Helm stream moved to the files its
//! objects came from.
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
//!
//! `helm template` writes, before every object, a `# Source:` comment
//! naming its template. A template is not YAML until it is rendered, so the
//! offending field is looked for by its keys, line by line.

use std::collections::HashMap;
use std::ops::Range;

use crate::finding::Finding;
use crate::report::Report;
use crate::source::{LineIndex, TextRange};
use crate::yaml::{parse_stream, Limits, Node, RawDocument};

/// The annotation Kustomize writes with each object's origin.
pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// A file findings may move to: its text, what was parsed of it, and its
/// lines.
struct OriginFile<P> {
    text: String,
    parsed: P,
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
    let files = OriginFiles {
        resolve: &resolve,
        read: &read,
    };
    move_findings(
        report,
        stream_name,
        &origins,
        &files,
        |text| parse_stream(text, &Limits::default()),
        |documents, finding| {
            let root =
                matching_document(documents, resource_kind(finding), resource_name(finding))?;
            let located = finding
                .path
                .as_deref()
                .map(|pointer| root.locate(pointer))
                .filter(|located| located.exact);
            Some(located.map_or_else(|| first_line(root), |located| located.span))
        },
    );
}

/// Moves the findings on the rendered Helm stream `stream_name` (whose
/// text is `stream`) to the templates named by its `# Source:` comments: to
/// the line where the template writes the offending field, else to the
/// object's first line there. `resolve` turns a `# Source:` path
/// (`shop/templates/deployment.yaml`) into the name findings use for that
/// template (or `None` when it is not a file, as in a packed subchart);
/// `read` gives a file's text by that name.
pub fn attach_to_templates(
    report: &mut Report,
    stream_name: &str,
    stream: &str,
    resolve: impl Fn(&str) -> Option<String>,
    read: impl Fn(&str) -> Option<String>,
) {
    let origins: Vec<Option<String>> = parse_stream(stream, &Limits::default())
        .into_iter()
        .map(|document| document.source)
        .collect();
    let files = OriginFiles {
        resolve: &resolve,
        read: &read,
    };
    move_findings(
        report,
        stream_name,
        &origins,
        &files,
        |text| text.to_owned(),
        |text, finding| {
            let object = template_object(text, resource_kind(finding));
            let field = finding
                .path
                .as_deref()
                .and_then(|pointer| template_field(text, object.clone(), pointer));
            Some(field.unwrap_or_else(|| template_first_line(text, object)))
        },
    );
}

/// How origin paths become files.
struct OriginFiles<'f> {
    resolve: &'f dyn Fn(&str) -> Option<String>,
    read: &'f dyn Fn(&str) -> Option<String>,
}

/// Moves each finding on `stream_name` whose document has an origin (by
/// the document's index in `origins`) to that file, at the range `locate`
/// finds in what `parse` made of it.
fn move_findings<P>(
    report: &mut Report,
    stream_name: &str,
    origins: &[Option<String>],
    files: &OriginFiles<'_>,
    parse: impl Fn(&str) -> P,
    locate: impl Fn(&P, &Finding) -> Option<TextRange>,
) {
    let mut loaded: HashMap<String, Option<OriginFile<P>>> = HashMap::new();
    let mut moved_lines: Vec<(String, u32, String)> = Vec::new();
    for finding in &mut report.findings {
        if finding.file != stream_name {
            continue;
        }
        let Some(origin) = origins
            .get(finding.document)
            .cloned()
            .flatten()
            .and_then(|path| (files.resolve)(&path))
        else {
            continue;
        };
        let file = loaded.entry(origin.clone()).or_insert_with(|| {
            let text = (files.read)(&origin)?;
            let parsed = parse(&text);
            let lines = LineIndex::new(&text);
            Some(OriginFile {
                text,
                parsed,
                lines,
            })
        });
        let Some(file) = file else {
            continue;
        };
        let Some(range) = locate(&file.parsed, finding) else {
            continue;
        };
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

fn resource_kind(finding: &Finding) -> Option<&str> {
    finding
        .resource
        .as_ref()
        .map(|resource| resource.kind.as_str())
}

fn resource_name(finding: &Finding) -> Option<&str> {
    finding
        .resource
        .as_ref()
        .map(|resource| resource.name.as_str())
}

/// The byte range of the object of `kind` in a template that may hold
/// several (`---` between them): the part that writes `kind: <kind>`, else
/// the whole template.
fn template_object(text: &str, kind: Option<&str>) -> Range<usize> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (offset, line) in lines_with_offsets(text) {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            parts.push(start..offset);
            start = offset + line.len();
        }
    }
    parts.push(start..text.len());
    let writes_kind = |part: &Range<usize>| {
        let Some(kind) = kind else {
            return false;
        };
        text.get(part.clone()).is_some_and(|body| {
            body.lines()
                .any(|line| key_value(line, "kind").is_some_and(|value| value == kind))
        })
    };
    parts
        .iter()
        .find(|part| writes_kind(part))
        .cloned()
        .unwrap_or(0..text.len())
}

/// Where a template writes the field at `pointer` (`/spec/replicas`): each
/// key of the pointer is looked for in turn, as `key:` starting a line
/// (after indentation and list dashes) one level inside the block of the
/// previous key. Template directives (`{{ … }}` lines) are not YAML and are
/// passed over. `None` when a key is not written in the template (it comes
/// from a value or a helper).
fn template_field(text: &str, object: Range<usize>, pointer: &str) -> Option<TextRange> {
    let keys: Vec<String> = pointer
        .split('/')
        .skip(1)
        .filter(|token| token.parse::<usize>().is_err())
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect();
    let body = text.get(object.clone())?;
    let mut lines = lines_with_offsets(body).filter(|(_, line)| {
        let content = line.trim_start();
        !(content.is_empty() || content.starts_with('#') || content.starts_with("{{"))
    });
    // The indentation of the block being searched, and of its keys once
    // its first line is seen.
    let mut parent: Option<usize> = None;
    let mut found = None;
    for key in &keys {
        let mut level: Option<usize> = None;
        let (indent, range) = lines.by_ref().find_map(|(offset, line)| {
            let content = line.trim_start();
            let indent = line.len() - content.len();
            let item = content.trim_start_matches("- ");
            let key_indent = line.len() - item.len();
            if let Some(parent) = parent {
                // A list item may start at its key's own indentation.
                let in_block = indent > parent || (indent == parent && content.starts_with("- "));
                if !in_block {
                    return Some(None);
                }
            }
            let level = *level.get_or_insert(key_indent);
            if key_indent != level || key_value(item, key).is_none() {
                return None;
            }
            let start = object.start + offset + key_indent;
            let end = object.start + offset + line.trim_end().len();
            Some(Some((key_indent, text_range(start, end))))
        })??;
        parent = Some(indent);
        found = Some(range);
    }
    found
}

/// The first line of the object in a template: its first YAML line.
fn template_first_line(text: &str, object: Range<usize>) -> TextRange {
    let body = text.get(object.clone()).unwrap_or_default();
    lines_with_offsets(body)
        .find(|(_, line)| {
            let content = line.trim();
            !content.is_empty() && !content.starts_with('#') && !content.starts_with("{{")
        })
        .map_or(text_range(object.start, object.start), |(offset, line)| {
            let start = object.start + offset;
            text_range(start, start + line.trim_end().len())
        })
}

/// Byte offsets as a range (offsets past 4 GiB, which no file read has,
/// saturate).
fn text_range(start: usize, end: usize) -> TextRange {
    let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
    TextRange {
        start: offset(start),
        end: offset(end),
    }
}

/// `value` when `line` (without indentation) is `key: value` or `key:`.
fn key_value<'l>(line: &'l str, key: &str) -> Option<&'l str> {
    let rest = line.trim_start().strip_prefix(key)?.strip_prefix(':')?;
    if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t') {
        Some(rest.trim())
    } else {
        None
    }
}

/// The lines of `text` with the byte offset where each starts.
fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line.trim_end_matches(['\n', '\r'])))
    })
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    const TEMPLATE: &str = "\
{{- range .Values.jobs }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
spec:
  replicas: {{ .replicas }}
  template:
    spec:
      containers:
      - name: app
        image: {{ .image }}
        securityContext:
          {{- toYaml .securityContext | nindent 10 }}
{{- end }}
";

    /// The text of the line a range starts on.
    fn line_at(range: TextRange) -> &'static str {
        let start = TEMPLATE[..range.start as usize]
            .rfind('\n')
            .map_or(0, |at| at + 1);
        TEMPLATE[start..].lines().next().unwrap().trim()
    }

    #[test]
    fn a_field_the_template_writes_is_found_in_its_object() {
        let object = template_object(TEMPLATE, Some("Deployment"));
        let found = |pointer| template_field(TEMPLATE, object.clone(), pointer).map(line_at);
        assert_eq!(found("/spec/replicas"), Some("replicas: {{ .replicas }}"));
        // A list item written at its key's indentation.
        assert_eq!(
            found("/spec/template/spec/containers/0/image"),
            Some("image: {{ .image }}")
        );
        // Written by a value: not in the template.
        assert_eq!(
            found("/spec/template/spec/containers/0/securityContext/runAsNonRoot"),
            None
        );
        // A key of another level is not the field.
        assert_eq!(found("/spec/securityContext"), None);
        assert_eq!(
            line_at(template_first_line(TEMPLATE, object)),
            "apiVersion: apps/v1"
        );
    }

    #[test]
    fn the_object_is_picked_by_kind() {
        let object = template_object(TEMPLATE, Some("ConfigMap"));
        assert_eq!(
            template_field(TEMPLATE, object.clone(), "/metadata/name").map(line_at),
            Some("name: settings")
        );
        assert_eq!(template_object(TEMPLATE, None), 0..TEMPLATE.len());
    }
}
