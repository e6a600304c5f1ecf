//! From text to spanned document trees.
//!
//! A stream is first split into documents (see [`super::split`]). Each
//! document is then parsed on its own, which gives three things at once: a
//! syntax error costs only its own document, documents can be parsed in
//! parallel, and positions stay small numbers relative to the document.
//!
//! The event parser (`saphyr-parser`) reports positions as character
//! indexes; they become byte offsets here, cheaply for ASCII documents.

use std::cell::OnceCell;
use std::collections::HashMap;

use compact_str::CompactString;
use rayon::prelude::*;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError};

use super::scalar::resolve;
use super::split::{Chunk, Empty, Stream};
use super::tree::{node_count, Entry, Node, Value};
use crate::source::{saturating_u32, LineIndex, TextRange};

/// Bounds that keep hostile input cheap.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of collections accepted in one document.
    pub max_depth: usize,
    /// Most nodes that alias expansion may create in one document ("billion
    /// laughs" stops here).
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_alias_nodes: 100_000,
        }
    }
}

/// A document of a stream, parsed as far as it could be.
#[derive(Debug, Clone)]
pub struct RawDocument {
    /// 0-based index of the document in its file.
    pub index: usize,
    /// The tree, or `None` when the document is empty or did not parse.
    pub root: Option<Node>,
    /// Byte offset where the document starts (its `---` line, or the first
    /// line).
    pub start: u32,
    /// The template named by Helm's `# Source:` comment, if any.
    pub source: Option<String>,
    /// Syntax errors and duplicate keys found in it.
    pub problems: Vec<Problem>,
}

/// A problem found while parsing.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// A sentence saying what is wrong.
    pub message: String,
    /// Where.
    pub span: TextRange,
}

/// The kinds of parse problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The text is not valid YAML, nests too deep, or expands aliases past the
    /// budget. The rest of the document is not read.
    Syntax,
    /// A mapping repeats a key; the later value is kept.
    DuplicateKey,
}

/// Chunks smaller than this are parsed on the calling thread.
const PARALLEL_CHUNKS: usize = 64;

/// Parses every document of a YAML (or JSON) stream, empty ones included.
pub fn parse_stream(text: &str, limits: &Limits) -> Vec<RawDocument> {
    Stream::split(text, Empty::Keep).parse(limits).documents
}

/// The documents of a parsed [`Stream`].
pub(crate) struct Parsed {
    /// With [`Empty::Count`], only the documents that hold something (a
    /// root or a problem), each with its index in the stream.
    pub(crate) documents: Vec<RawDocument>,
    /// How many documents the stream holds, empty ones included.
    pub(crate) total: usize,
}

impl Stream<'_> {
    /// Parses the documents, in parallel when there are many.
    pub(crate) fn parse(self, limits: &Limits) -> Parsed {
        let parse = |chunk: &Chunk<'_>| (chunk.empty_before, parse_chunk(chunk, limits));
        let parsed: Vec<(usize, Vec<RawDocument>)> = if self.chunks.len() >= PARALLEL_CHUNKS {
            self.chunks.par_iter().map(parse).collect()
        } else {
            self.chunks.iter().map(parse).collect()
        };
        let mut documents = Vec::with_capacity(parsed.iter().map(|(_, docs)| docs.len()).sum());
        let mut index = 0;
        for (empty_before, chunk_documents) in parsed {
            index += empty_before;
            for mut document in chunk_documents {
                document.index = index;
                index += 1;
                let holds_something = document.root.is_some() || !document.problems.is_empty();
                if self.empty == Empty::Keep || holds_something {
                    documents.push(document);
                }
            }
        }
        Parsed {
            documents,
            total: index + self.empty_after,
        }
    }
}

/// The template named by a `# Source: chart/templates/x.yaml` comment before
/// the document's first content line.
fn source_comment(text: &str) -> Option<String> {
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed == "---" {
            continue;
        }
        let comment = trimmed.strip_prefix('#')?;
        if let Some(source) = comment.trim_start().strip_prefix("Source:") {
            let source = source.trim();
            if !source.is_empty() {
                return Some(source.to_owned());
            }
        }
    }
    None
}

/// Turns the parser's character-based markers into byte offsets of the
/// file.
///
/// Only the marker's character index is used: the parser's line and column
/// count a lone `\r` as a line break (YAML does), while plimsoll's lines,
/// like those of git, most editors and `LineIndex`, end at `\n` only.
struct PositionMapper<'a> {
    chunk: &'a str,
    byte_start: usize,
    lines_before: usize,
    /// Byte offset of every [`CHAR_STEP`]th character of the chunk; only for
    /// non-ASCII text (in ASCII, character index and byte offset agree).
    char_offsets: Option<Vec<usize>>,
    /// The chunk's line starts, built the first time a message names a
    /// line: counting lines from the chunk's start for each of many
    /// duplicate keys grew with the square of the chunk.
    lines: OnceCell<LineIndex>,
}

/// Characters between two entries of `PositionMapper::char_offsets`.
const CHAR_STEP: usize = 64;

impl<'a> PositionMapper<'a> {
    fn new(chunk: &'a Chunk<'a>) -> Self {
        let char_offsets = (!chunk.text.is_ascii()).then(|| {
            chunk
                .text
                .char_indices()
                .step_by(CHAR_STEP)
                .map(|(at, _)| at)
                .collect()
        });
        PositionMapper {
            chunk: chunk.text,
            byte_start: chunk.byte_start,
            lines_before: chunk.lines_before,
            char_offsets,
            lines: OnceCell::new(),
        }
    }

    /// The byte offset in the chunk of the character the marker counts to.
    fn byte_in_chunk(&self, marker: &Marker) -> usize {
        let index = marker.index();
        let Some(char_offsets) = &self.char_offsets else {
            return index;
        };
        let Some(checkpoint) = char_offsets.get(index / CHAR_STEP) else {
            return self.chunk.len();
        };
        let rest: usize = self
            .chunk
            .get(*checkpoint..)
            .unwrap_or_default()
            .chars()
            .take(index % CHAR_STEP)
            .map(char::len_utf8)
            .sum();
        checkpoint + rest
    }

    fn offset(&self, marker: &Marker) -> u32 {
        // At the end of the input the parser reports a virtual line after
        // the last one; the end of the text is where it is.
        let byte_in_chunk = self.byte_in_chunk(marker).min(self.chunk.len());
        saturating_u32(self.byte_start + byte_in_chunk)
    }

    fn range(&self, span: &saphyr_parser::Span) -> TextRange {
        TextRange {
            start: self.offset(&span.start),
            end: self.offset(&span.end),
        }
    }

    /// The 1-based file line of a byte offset inside the chunk (for
    /// messages).
    fn line_of(&self, offset: u32) -> usize {
        let in_chunk = (offset as usize).saturating_sub(self.byte_start);
        let lines = self.lines.get_or_init(|| LineIndex::new(self.chunk));
        self.lines_before + lines.line_of(in_chunk) as usize
    }

    /// The file offset of a `\/` escape in the double-quoted scalar at
    /// `span`, if it has one.
    fn slash_escape(&self, span: TextRange) -> Option<u32> {
        let start = (span.start as usize).checked_sub(self.byte_start)?;
        let end = (span.end as usize).checked_sub(self.byte_start)?;
        let bytes = self.chunk.as_bytes().get(start..end)?;
        let mut at = 0;
        while let Some(&byte) = bytes.get(at) {
            if byte == b'\\' {
                if bytes.get(at + 1) == Some(&b'/') {
                    return Some(saturating_u32(self.byte_start + start + at));
                }
                at += 2;
            } else {
                at += 1;
            }
        }
        None
    }

    /// The file offset of the first NUL byte at or after file offset `from`.
    fn first_nul_after(&self, from: u32) -> Option<u32> {
        let from = usize::try_from(from).ok()?.checked_sub(self.byte_start)?;
        let rest = self.chunk.get(from..)?;
        let at = from + rest.bytes().position(|byte| byte == 0)?;
        Some(saturating_u32(self.byte_start + at))
    }

    /// `at`, moved back over the tabs right before it on its line.
    fn back_over_tabs(&self, at: u32) -> u32 {
        let Some(end) = usize::try_from(at)
            .ok()
            .and_then(|offset| offset.checked_sub(self.byte_start))
        else {
            return at;
        };
        let before = self.chunk.get(..end).unwrap_or_default();
        let tabs = before.len() - before.trim_end_matches('\t').len();
        at.saturating_sub(saturating_u32(tabs))
    }
}

enum Frame {
    Seq {
        start: u32,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: u32,
        anchor: usize,
        map: MapBuilder,
    },
}

/// A mapping under construction: detects duplicate keys and applies merge
/// keys (`<<`), which never count as duplicates.
#[derive(Default)]
struct MapBuilder {
    entries: Vec<Entry>,
    /// Whether each entry came from a merge key (an explicit key may override
    /// it without being a duplicate).
    merged: Vec<bool>,
    /// Key → entry index, built once a mapping grows past a few keys.
    index: Option<HashMap<CompactString, usize>>,
    pending_key: Option<PendingKey>,
    /// The line of the mapping's first merge key.
    merge_line: Option<u32>,
}

struct PendingKey {
    text: CompactString,
    span: TextRange,
    is_merge: bool,
}

const INDEX_KEYS_FROM: usize = 16;

impl MapBuilder {
    fn find(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|entry| entry.key == key),
        }
    }

    fn push(&mut self, entry: Entry, merged: bool) {
        if let Some(index) = &mut self.index {
            index.insert(entry.key.clone(), self.entries.len());
        }
        self.entries.push(entry);
        self.merged.push(merged);
        if self.index.is_none() && self.entries.len() >= INDEX_KEYS_FROM {
            self.index = Some(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(at, entry)| (entry.key.clone(), at))
                    .collect(),
            );
        }
    }

    /// Inserts an explicit key; returns the span of the earlier occurrence
    /// when the key is a duplicate.
    fn insert(&mut self, entry: Entry) -> Option<TextRange> {
        let Some(at) = self.find(&entry.key) else {
            self.push(entry, false);
            return None;
        };
        let was_merged = self.merged.get(at).copied().unwrap_or(false);
        let existing = self.entries.get_mut(at)?;
        let first_span = existing.key_span;
        *existing = entry;
        if let Some(flag) = self.merged.get_mut(at) {
            *flag = false;
        }
        (!was_merged).then_some(first_span)
    }

    /// Adds the entries of a merged mapping that are not already present.
    /// An explicit key already present that the merge also sets goes to
    /// `overridden` (key and key span): kubectl (go-yaml v2) lets the merge
    /// overwrite a key written before it, the YAML merge rule keeps it.
    fn merge(&mut self, source: &[Entry], overridden: &mut Vec<(CompactString, TextRange)>) {
        for entry in source {
            match self.find(&entry.key) {
                None => self.push(entry.clone(), true),
                Some(at) if self.merged.get(at) == Some(&false) => {
                    if let Some(existing) = self.entries.get(at) {
                        overridden.push((existing.key.clone(), existing.key_span));
                    }
                }
                Some(_) => {}
            }
        }
    }
}

/// Why a chunk could not be read to its end.
struct Abort(Problem);

/// Emptied buffers of closed frames, for the next frames to fill: a
/// collection then costs one exact allocation instead of a growing buffer
/// and a final shrink.
#[derive(Default)]
struct Spares {
    entries: Vec<Vec<Entry>>,
    flags: Vec<Vec<bool>>,
    nodes: Vec<Vec<Node>>,
}

struct Builder<'a> {
    mapper: PositionMapper<'a>,
    limits: &'a Limits,
    frames: Vec<Frame>,
    spares: Spares,
    anchors: HashMap<usize, (Node, usize)>,
    expanded_nodes: usize,
    root: Option<Node>,
    problems: Vec<Problem>,
}

impl<'a> Builder<'a> {
    fn on_event(&mut self, event: Event<'_>, span: &saphyr_parser::Span) -> Result<(), Abort> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let span = self.mapper.range(span);
                if style == ScalarStyle::DoubleQuoted {
                    if let Some(at) = self.mapper.slash_escape(span) {
                        return Err(Abort(Problem {
                            kind: ProblemKind::Syntax,
                            message: SLASH_ESCAPE.to_owned(),
                            span: TextRange::point(at),
                        }));
                    }
                }
                let plain = style == ScalarStyle::Plain;
                // Copied from &str: the parser's own buffer has growth slack
                // that a kept tree should not carry.
                let is_key = self.expects_key();
                if anchor == 0 && is_key {
                    // Keys are kept as text: no value to resolve, one copy.
                    return self.add_key(CompactString::new(&text), plain, span);
                }
                let value = resolve(&text, style, tag.as_deref());
                let node = Node { value, span };
                self.remember(anchor, &node);
                // An anchored scalar in key position is a key too.
                let key_text = is_key.then(|| KeyText {
                    text: CompactString::new(&text),
                    plain,
                });
                self.add(node, key_text)
            }
            Event::SequenceStart(anchor, _) => {
                let items = self.spares.nodes.pop().unwrap_or_default();
                self.open(Frame::Seq {
                    start: self.mapper.offset(&span.start),
                    anchor,
                    items,
                })
            }
            Event::MappingStart(anchor, _) => {
                let map = MapBuilder {
                    entries: self.spares.entries.pop().unwrap_or_default(),
                    merged: self.spares.flags.pop().unwrap_or_default(),
                    ..MapBuilder::default()
                };
                self.open(Frame::Map {
                    start: self.mapper.offset(&span.start),
                    anchor,
                    map,
                })
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
            Event::Alias(id) => self.alias(id, span),
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }

    /// Whether the next scalar is a mapping key.
    fn expects_key(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Map { map, .. }) if map.pending_key.is_none())
    }

    fn add_key(&mut self, text: CompactString, plain: bool, span: TextRange) -> Result<(), Abort> {
        if let Some(Frame::Map { map, .. }) = self.frames.last_mut() {
            let is_merge = plain && text == "<<";
            map.pending_key = Some(PendingKey {
                text,
                span,
                is_merge,
            });
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            self.anchors
                .insert(anchor, (node.clone(), node_count(node)));
        }
    }

    fn open(&mut self, frame: Frame) -> Result<(), Abort> {
        if self.frames.len() >= self.limits.max_depth {
            let at = match &frame {
                Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
            };
            return Err(Abort(Problem {
                kind: ProblemKind::Syntax,
                message: format!(
                    "nesting deeper than {} levels; the rest of this document is not read",
                    self.limits.max_depth
                ),
                span: TextRange::point(at),
            }));
        }
        self.frames.push(frame);
        Ok(())
    }

    fn close(&mut self, span: &saphyr_parser::Span) -> Result<(), Abort> {
        let end = self.mapper.offset(&span.end);
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        let (node, anchor) = match frame {
            Frame::Seq {
                start,
                anchor,
                mut items,
            } => {
                let node = Node {
                    value: Value::Seq(items.drain(..).collect()),
                    span: TextRange { start, end },
                };
                self.spares.nodes.push(items);
                (node, anchor)
            }
            Frame::Map {
                start,
                anchor,
                mut map,
            } => {
                let node = Node {
                    value: Value::Map(map.entries.drain(..).collect()),
                    span: TextRange { start, end },
                };
                map.merged.clear();
                self.spares.entries.push(map.entries);
                self.spares.flags.push(map.merged);
                (node, anchor)
            }
        };
        self.remember(anchor, &node);
        self.add(node, None)
    }

    fn alias(&mut self, id: usize, span: &saphyr_parser::Span) -> Result<(), Abort> {
        let at = self.mapper.range(span);
        let Some((target, count)) = self.anchors.get(&id) else {
            return Err(Abort(Problem {
                kind: ProblemKind::Syntax,
                message: "alias to an unknown anchor".to_owned(),
                span: at,
            }));
        };
        self.expanded_nodes = self.expanded_nodes.saturating_add(*count);
        if self.expanded_nodes > self.limits.max_alias_nodes {
            return Err(Abort(Problem {
                kind: ProblemKind::Syntax,
                message: format!(
                    "aliases expand to more than {} nodes (an alias bomb?); the rest of this document is not read",
                    self.limits.max_alias_nodes
                ),
                span: at,
            }));
        }
        let mut node = target.clone();
        node.span = at;
        let key_text = match &node.value {
            Value::String(text) => Some(KeyText {
                text: text.clone(),
                plain: false,
            }),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => Some(KeyText {
                text: scalar_text(&node.value),
                plain: false,
            }),
            Value::Seq(_) | Value::Map(_) => None,
        };
        self.add(node, key_text)
    }

    /// Places a finished node in its parent (or as the document root).
    fn add(&mut self, node: Node, key_text: Option<KeyText>) -> Result<(), Abort> {
        let Some(parent) = self.frames.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match parent {
            Frame::Seq { items, .. } => items.push(node),
            Frame::Map { map, .. } => match map.pending_key.take() {
                None => {
                    let (text, is_merge) = match key_text {
                        Some(key) => {
                            let is_merge = key.plain && key.text == "<<";
                            (key.text, is_merge)
                        }
                        None => {
                            self.problems.push(Problem {
                                kind: ProblemKind::Syntax,
                                message:
                                    "a mapping key must be a scalar (Kubernetes keys are strings)"
                                        .to_owned(),
                                span: node.span,
                            });
                            (CompactString::const_new("<complex key>"), false)
                        }
                    };
                    map.pending_key = Some(PendingKey {
                        text,
                        span: node.span,
                        is_merge,
                    });
                }
                Some(key) if key.is_merge => {
                    let merge_line = saturating_u32(self.mapper.line_of(key.span.start));
                    if let Some(first) = map.merge_line {
                        self.problems.push(Problem {
                            kind: ProblemKind::DuplicateKey,
                            message: format!(
                                "duplicate key `<<` (first at line {first}); YAML readers disagree on which merge wins: merge a list, `<<: [*a, *b]`"
                            ),
                            span: key.span,
                        });
                    } else {
                        map.merge_line = Some(merge_line);
                    }
                    let mut overridden = Vec::new();
                    match &node.value {
                        Value::Map(entries) => map.merge(entries, &mut overridden),
                        Value::Seq(items) => {
                            for item in items {
                                if let Value::Map(entries) = &item.value {
                                    map.merge(entries, &mut overridden);
                                }
                            }
                        }
                        _ => self.problems.push(Problem {
                            kind: ProblemKind::Syntax,
                            message: "a merge key `<<` needs a mapping or a list of mappings"
                                .to_owned(),
                            span: node.span,
                        }),
                    }
                    overridden.dedup_by(|a, b| a.0 == b.0);
                    for (name, span) in overridden {
                        self.problems.push(Problem {
                            kind: ProblemKind::DuplicateKey,
                            message: format!(
                                "`{name}` is set again by the `<<` merge at line {merge_line}: kubectl applies the merged value, other YAML readers this one; put `<<` first"
                            ),
                            span,
                        });
                    }
                }
                Some(key) => {
                    let key_name = key.text.clone();
                    let later_span = key.span;
                    let first = map.insert(Entry {
                        key: key.text,
                        key_span: key.span,
                        value: node,
                    });
                    if let Some(first) = first {
                        self.problems.push(Problem {
                            kind: ProblemKind::DuplicateKey,
                            message: format!(
                                "duplicate key `{key_name}` (first at line {}); the later value wins",
                                self.mapper.line_of(first.start)
                            ),
                            span: later_span,
                        });
                    }
                }
            },
        }
        Ok(())
    }
}

struct KeyText {
    text: CompactString,
    plain: bool,
}

fn scalar_text(value: &Value) -> CompactString {
    match value {
        Value::Null => CompactString::const_new("null"),
        Value::Bool(flag) => CompactString::from(flag.to_string()),
        Value::Int(number) => CompactString::from(number.to_string()),
        Value::Float(number) => CompactString::from(number.to_string()),
        Value::String(text) => text.clone(),
        Value::Seq(_) | Value::Map(_) => CompactString::default(),
    }
}

fn syntax_problem(mapper: &PositionMapper<'_>, error: &ScanError) -> Problem {
    let at = mapper.offset(error.marker());
    // Inside a quoted scalar the parser takes a NUL byte for the end of the
    // input and blames the scalar's start: name the byte and point at it.
    if error.info().contains("end of stream") {
        if let Some(nul) = mapper.first_nul_after(at) {
            return Problem {
                kind: ProblemKind::Syntax,
                message: "found a NUL byte, which YAML does not allow".to_owned(),
                span: TextRange::point(nul),
            };
        }
    }
    let (message, at) = match error.info() {
        // The parser points after the offending tabs: point at the first.
        info if info.starts_with("tabs disallowed") => (info.to_owned(), mapper.back_over_tabs(at)),
        "recursion limit exceeded" => (
            "nesting too deep for the parser; the rest of this document is not read".to_owned(),
            at,
        ),
        info => (info.to_owned(), at),
    };
    Problem {
        kind: ProblemKind::Syntax,
        message,
        span: TextRange::point(at),
    }
}

/// kubectl's YAML reader (go-yaml) refuses `\/`, which YAML 1.2 reads as
/// `/`: the file never reaches the cluster.
const SLASH_ESCAPE: &str =
    "found unknown escape character `\\/` (YAML 1.2 allows it, kubectl's YAML reader does not; write `/`)";

/// The parser's complaints about what kubectl's reader accepts in quoted
/// scalars (see [`requote`]).
const QUOTED_INDENTATION: &str = "invalid indentation in quoted scalar";
const UNKNOWN_ESCAPE: &str = "found unknown escape character";

/// How many of the things kubectl's reader accepts one chunk may have
/// rewritten as the parser accepts them (each costs a parse of the chunk).
const MAX_FIXES: usize = 32;

/// The parser's complaints about a line of a flow collection (`[…]`,
/// `{…}`) indented no more than the block it is in.
const FLOW_INDENTATION: [&str; 2] = [
    "invalid indentation",
    "invalid indentation in flow construct",
];

/// The parser's complaint about a tab between `:` and a plain value.
const TAB_AFTER_COLON: &str = "':' must be followed by a valid YAML whitespace";

/// Parses a chunk. The parser rejects a tab between `:` and a plain value
/// (`name:<TAB>web`), which Kubernetes' reader (and YAML 1.2) accepts. Such
/// a tab only separates, so it is read as a space (same length, so the same
/// positions) and the chunk is parsed again.
fn parse_chunk(chunk: &Chunk<'_>, limits: &Limits) -> Vec<RawDocument> {
    let mut patched: Option<String> = None;
    let mut fixes = 0;
    loop {
        let text = patched.as_deref().unwrap_or(chunk.text);
        let attempt = Chunk {
            text,
            byte_start: chunk.byte_start,
            lines_before: chunk.lines_before,
            explicit_start: chunk.explicit_start,
            empty_before: chunk.empty_before,
        };
        let documents = parse_chunk_once(&attempt, limits);
        let fix = match documents
            .last()
            .and_then(|document| document.problems.last())
        {
            Some(problem) if fixes < MAX_FIXES && problem.message == TAB_AFTER_COLON => {
                tabs_after_colon(text, chunk.byte_start, problem.span.start)
                    .map(|tabs| (tabs.clone(), " ".repeat(tabs.len())))
            }
            Some(problem)
                if fixes < MAX_FIXES
                    && (problem.message.ends_with(QUOTED_INDENTATION)
                        || problem.message.ends_with(UNKNOWN_ESCAPE)) =>
            {
                requote(text, chunk.byte_start, problem.span.start)
            }
            Some(problem)
                if fixes < MAX_FIXES && FLOW_INDENTATION.contains(&problem.message.as_str()) =>
            {
                join_flow_lines(text, chunk.byte_start, problem.span.start)
            }
            _ => None,
        };
        let Some((range, replacement)) = fix else {
            return documents;
        };
        let mut fixed = text.to_owned();
        fixed.replace_range(range, &replacement);
        patched = Some(fixed);
        fixes += 1;
    }
}

/// kubectl's YAML reader (go-yaml) accepts two things in quoted scalars that
/// YAML 1.2 and the parser refuse: a continuation line indented less than
/// the block the scalar is in, and `\'` (a `'`) in a double-quoted scalar.
/// For the quoted scalar that starts at file offset `at`, returns its byte
/// range in the chunk and the same scalar as the parser accepts it: folded
/// onto one line as YAML folds it (a line break and the spaces around it
/// become one space), `\'` written `'`, padded with spaces after the
/// closing quote to the same length, so nothing after it moves. Scalars
/// with an empty line or an escaped line break are left alone.
fn requote(text: &str, byte_start: usize, at: u32) -> Option<(std::ops::Range<usize>, String)> {
    let start = usize::try_from(at).ok()?.checked_sub(byte_start)?;
    let rest = text.get(start..)?;
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut chars = rest.char_indices().skip(1).peekable();
    let end = loop {
        let (offset, c) = chars.next()?;
        match c {
            '\\' if quote == '"' => match chars.next()? {
                (_, '\'') => line.push('\''),
                (_, '\n' | '\r') => return None,
                (_, escaped) => {
                    line.push('\\');
                    line.push(escaped);
                }
            },
            '\'' if quote == '\'' && chars.peek().map(|(_, next)| *next) == Some('\'') => {
                chars.next();
                line.push_str("''");
            }
            c if c == quote => break start + offset + c.len_utf8(),
            '\r' => {}
            '\n' => lines.push(std::mem::take(&mut line)),
            c => line.push(c),
        }
    };
    lines.push(line);
    let last = lines.len().saturating_sub(1);
    let mut folded = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let line = if index > 0 {
            line.trim_start_matches([' ', '\t'])
        } else {
            line
        };
        let line = if index < last {
            line.trim_end_matches([' ', '\t'])
        } else {
            line
        };
        if line.is_empty() && index > 0 && index < last {
            return None;
        }
        folded.push(line);
    }
    let mut replacement = format!("{quote}{}{quote}", folded.join(" "));
    let original = text.get(start..end)?;
    if replacement == original || replacement.len() > original.len() {
        return None;
    }
    let padding = original.len() - replacement.len();
    replacement.push_str(&" ".repeat(padding));
    Some((start..end, replacement))
}

/// kubectl's reader (go-yaml) does not look at indentation inside a flow
/// collection: `args: [` with its items, or its `]`, at the column of
/// `args` (or less) is read as one list, which the parser refuses. When
/// file offset `at` starts a line inside a flow collection, returns the
/// byte range (in the chunk) from the line break before it to the end of
/// the outermost open collection, with every line break in it written as
/// a space: the lines join as YAML folds them, and nothing moves. Left
/// alone when a comment (which a joined line would swallow) or an empty
/// line (which folds to a line break) is in the way.
fn join_flow_lines(
    text: &str,
    byte_start: usize,
    at: u32,
) -> Option<(std::ops::Range<usize>, String)> {
    let start = usize::try_from(at).ok()?.checked_sub(byte_start)?;
    let before = text.get(..start)?;
    let line_start = before.trim_end_matches([' ', '\t']).len();
    let mut scan = FlowScan::default();
    scan.feed(before);
    if !before.get(..line_start)?.ends_with('\n') || scan.depth == 0 {
        return None;
    }
    let break_start = before
        .get(..line_start - 1)?
        .strip_suffix('\r')
        .map_or(line_start - 1, str::len);
    let line_above = before.get(..break_start)?.rsplit('\n').next()?;
    if line_above.contains('#') {
        return None;
    }
    let rest = text.get(start..)?;
    let mut end = None;
    for (offset, c) in rest.char_indices() {
        scan.step(c);
        if scan.comment {
            return None;
        }
        if scan.depth == 0 {
            end = Some(start + offset + c.len_utf8());
            break;
        }
    }
    let range = break_start..end?;
    let joined = text.get(range.clone())?;
    if joined
        .split('\n')
        .skip(1)
        .any(|line| line.trim_matches([' ', '\t', '\r']).is_empty())
    {
        return None;
    }
    Some((range, joined.replace(['\r', '\n'], " ")))
}

/// Where a scan of YAML text stands with flow collections: how many are
/// open (brackets that open one come after `:`, `-`, `,`, `?`, another
/// bracket or at the start of a line, not inside a plain scalar such as
/// `a[0]`), and whether it is in a quoted scalar or a comment.
#[derive(Debug)]
struct FlowScan {
    depth: usize,
    quote: Option<char>,
    comment: bool,
    /// A `\` or `'` that escapes the next character of a quoted scalar.
    escaping: bool,
    previous: char,
    last_token: char,
}

impl Default for FlowScan {
    fn default() -> FlowScan {
        FlowScan {
            depth: 0,
            quote: None,
            comment: false,
            escaping: false,
            previous: '\n',
            last_token: '\n',
        }
    }
}

impl FlowScan {
    fn feed(&mut self, text: &str) {
        for c in text.chars() {
            self.step(c);
        }
    }

    fn step(&mut self, c: char) {
        if self.escaping {
            self.escaping = false;
            self.previous = c;
            return;
        }
        match (self.quote, c) {
            (_, '\n') if self.comment => self.comment = false,
            _ if self.comment => {}
            (Some('"'), '\\') => self.escaping = true,
            // `''` in a single-quoted scalar: the first closes, the second
            // opens again, and the scan stays inside.
            (Some(open), c) if c == open => self.quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if !self.previous.is_alphanumeric() => self.quote = Some(c),
            (None, '#') if self.previous.is_whitespace() => self.comment = true,
            (None, '[' | '{')
                if matches!(self.last_token, ':' | '-' | ',' | '?' | '[' | '{' | '\n') =>
            {
                self.depth += 1
            }
            (None, ']' | '}') if self.depth > 0 => self.depth -= 1,
            _ => {}
        }
        if self.quote.is_none() && !self.comment && (c == '\n' || !c.is_whitespace()) {
            self.last_token = c;
        }
        self.previous = c;
    }
}

/// How many flow collections are open at the end of `text`.
#[cfg(test)]
fn flow_depth(text: &str) -> usize {
    let mut scan = FlowScan::default();
    scan.feed(text);
    scan.depth
}

/// The byte range (in the chunk) of the tabs right before file offset `at`,
/// when a `:` precedes them.
fn tabs_after_colon(text: &str, byte_start: usize, at: u32) -> Option<std::ops::Range<usize>> {
    let end = usize::try_from(at).ok()?.checked_sub(byte_start)?;
    let before = text.get(..end)?;
    let start = before.trim_end_matches('\t').len();
    (start < end && before.get(..start)?.ends_with(':')).then_some(start..end)
}

fn parse_chunk_once(chunk: &Chunk<'_>, limits: &Limits) -> Vec<RawDocument> {
    let mapper = PositionMapper::new(chunk);
    let chunk_start = saturating_u32(chunk.byte_start);
    let source = source_comment(chunk.text);
    let mut documents = Vec::new();
    let mut builder = Builder {
        mapper,
        limits,
        frames: Vec::new(),
        spares: Spares::default(),
        anchors: HashMap::new(),
        expanded_nodes: 0,
        root: None,
        problems: Vec::new(),
    };
    let mut document_open = false;
    let mut document_start = chunk_start;
    for event in Parser::new_from_str(chunk.text) {
        match event {
            Ok((Event::DocumentStart(_), span)) => {
                document_open = true;
                if !documents.is_empty() {
                    document_start = builder.mapper.offset(&span.start);
                }
            }
            Ok((Event::DocumentEnd, _)) => {
                documents.push(finish_document(&mut builder, document_start, &source));
                document_open = false;
            }
            Ok((event, span)) => {
                if let Err(Abort(problem)) = builder.on_event(event, &span) {
                    builder.problems.push(problem);
                    builder.root = None;
                    documents.push(finish_document(&mut builder, document_start, &source));
                    return documents;
                }
            }
            Err(error) => {
                let problem = syntax_problem(&builder.mapper, &error);
                builder.problems.push(problem);
                builder.root = None;
                documents.push(finish_document(&mut builder, document_start, &source));
                return documents;
            }
        }
    }
    if document_open || (documents.is_empty() && chunk.explicit_start) {
        documents.push(finish_document(&mut builder, document_start, &source));
    }
    documents
}

fn finish_document(builder: &mut Builder<'_>, start: u32, source: &Option<String>) -> RawDocument {
    builder.frames.clear();
    builder.anchors.clear();
    builder.expanded_nodes = 0;
    RawDocument {
        index: 0,
        root: builder.root.take().filter(|root| !root.is_null()),
        start,
        source: source.clone(),
        problems: std::mem::take(&mut builder.problems),
    }
}

#[cfg(test)]
mod tests {
    use super::super::split::is_empty_document;
    use super::*;

    fn parse(text: &str) -> Vec<RawDocument> {
        parse_stream(text, &Limits::default())
    }

    /// The line/column position of a range's start.
    fn at(text: &str, range: TextRange) -> crate::source::Position {
        crate::source::LineIndex::new(text).position(text, range.start as usize)
    }

    #[test]
    fn splits_documents_and_keeps_file_positions() {
        let text = "---\n# Source: c/templates/a.yaml\na: 1\n---\nb:\n  c: x\n";
        let docs = parse(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].source.as_deref(), Some("c/templates/a.yaml"));
        let c = docs[1]
            .root
            .as_ref()
            .unwrap()
            .get_path(&["b", "c"])
            .unwrap();
        assert_eq!(c.span.start, 50);
        assert_eq!((at(text, c.span).line, at(text, c.span).column), (6, 6));
        assert_eq!(docs[1].index, 1);
    }

    #[test]
    fn a_syntax_error_costs_only_its_document() {
        let docs = parse("a: 1\n---\nb: [\n---\nc: 3\n");
        assert_eq!(docs.len(), 3);
        assert!(docs[0].problems.is_empty());
        assert_eq!(docs[1].problems[0].kind, ProblemKind::Syntax);
        assert!(docs[1].root.is_none());
        assert!(docs[2].root.is_some());
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_later_wins() {
        let text = "a: 1\nb: 2\na: 3\n";
        let docs = parse(text);
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(root.get("a").unwrap().as_i64(), Some(3));
        assert_eq!(docs[0].problems.len(), 1);
        assert_eq!(docs[0].problems[0].kind, ProblemKind::DuplicateKey);
        assert_eq!(at(text, docs[0].problems[0].span).line, 3);
        assert!(docs[0].problems[0].message.contains("first at line 1"));
    }

    #[test]
    fn merge_keys_merge_without_duplicates() {
        let docs = parse("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n");
        assert!(docs[0].problems.is_empty(), "{:?}", docs[0].problems);
        let derived = docs[0].root.as_ref().unwrap().get("derived").unwrap();
        assert_eq!(derived.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(derived.get("y").unwrap().as_i64(), Some(3));
    }

    #[test]
    fn merge_keys_that_readers_resolve_differently_are_duplicate_keys() {
        // kubectl (go-yaml v2) lets a merge overwrite a key written before
        // it, and a later `<<` overwrite an earlier one; the YAML merge rule
        // (and plimsoll's tree) keeps the first.
        let text = "d: &d {x: 1, y: 2}\ne: &e {y: 3}\nm:\n  x: 0\n  <<: [*d, *e]\n  <<: *e\n";
        let docs = parse(text);
        let problems: Vec<_> = docs[0]
            .problems
            .iter()
            .map(|p| {
                (
                    p.kind,
                    at(text, p.span).line,
                    at(text, p.span).column,
                    p.message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            problems,
            [
                (
                    ProblemKind::DuplicateKey,
                    4,
                    3,
                    "`x` is set again by the `<<` merge at line 5: kubectl applies the merged value, other YAML readers this one; put `<<` first"
                ),
                (
                    ProblemKind::DuplicateKey,
                    6,
                    3,
                    "duplicate key `<<` (first at line 5); YAML readers disagree on which merge wins: merge a list, `<<: [*a, *b]`"
                ),
            ]
        );
        let m = docs[0].root.as_ref().unwrap().get("m").unwrap();
        assert_eq!(m.get("x").unwrap().as_i64(), Some(0));
        assert_eq!(m.get("y").unwrap().as_i64(), Some(2));
    }

    #[test]
    fn alias_bombs_stop_at_the_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let prev = level - 1;
            text.push_str(&format!(
                "a{level}: &a{level} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let docs = parse(&text);
        assert!(docs[0].problems[0].message.contains("alias bomb"));
    }

    #[test]
    fn a_nul_byte_in_a_quoted_scalar_is_named_where_it_is() {
        for quote in ['"', '\''] {
            let text = format!("a: 1\n---\nk: v\nq: {quote}ab\0cd{quote}\nz: 2\n");
            let docs = parse(&text);
            let problem = &docs[1].problems[0];
            assert_eq!(
                problem.message,
                "found a NUL byte, which YAML does not allow"
            );
            let position = at(&text, problem.span);
            assert_eq!((position.line, position.column), (4, 7));
            assert_eq!(text.as_bytes()[problem.span.start as usize], 0);
        }
    }

    #[test]
    fn quoted_scalars_read_as_kubectl_reads_them() {
        let text = "a: \"x\\/y\"\n";
        let docs = parse(text);
        assert!(docs[0].root.is_none());
        assert!(docs[0].problems[0].message.contains("kubectl"));
        assert_eq!(at(text, docs[0].problems[0].span).column, 6);
        let text =
            "data:\n  a: \"one,\ntwo\"\n  b: 'three\n  four' # kept\n  c: \"it\\'s\"\n  d: 1\n";
        let docs = parse(text);
        assert!(docs[0].problems.is_empty(), "{:?}", docs[0].problems);
        let root = docs[0].root.as_ref().unwrap();
        let data = root.get("data").unwrap();
        assert_eq!(data.get("a").unwrap().as_str(), Some("one, two"));
        assert_eq!(data.get("b").unwrap().as_str(), Some("three four"));
        assert_eq!(data.get("c").unwrap().as_str(), Some("it's"));
        let d = data.get("d").unwrap();
        assert_eq!(at(text, d.span).line, 7);
        // An empty line inside stays an error, as the value would change.
        assert!(!parse("a: \"one\n\ntwo\"\n")[0].problems.is_empty());
    }

    #[test]
    fn flow_collections_are_read_at_any_indentation_as_kubectl_reads_them() {
        let text = "a:\n  b: [\n  1,\n2\n  ]\n  c: {\n  x: \"[y\",\n  }\nd: 3\n";
        let docs = parse(text);
        assert!(docs[0].problems.is_empty(), "{:?}", docs[0].problems);
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": {"b": [1, 2], "c": {"x": "[y"}}, "d": 3})
        );
        assert_eq!(at(text, root.get("d").unwrap().span).line, 9);
        // Every line of the collection is joined at once, however many.
        let long = format!("a: [\n{}]\nb: 1\n", "x,\n".repeat(100));
        let docs = parse(&long);
        assert!(docs[0].problems.is_empty(), "{:?}", docs[0].problems);
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(
            root.get("a").unwrap().as_seq().map(<[Node]>::len),
            Some(100)
        );
        assert_eq!(at(&long, root.get("b").unwrap().span).line, 103);
        // A comment would swallow a joined line, and an empty line folds to
        // a line break: both are left errors.
        assert!(!parse("a: [ # list\n1]\n")[0].problems.is_empty());
        assert!(!parse("a: [\n1, # one\n2]\n")[0].problems.is_empty());
        assert!(!parse("a: [\n'x\n\ny']\n")[0].problems.is_empty());
        // Quotes, escaped quotes and brackets inside them are not brackets.
        let docs = parse("a: [\n'it''s [', \"\\\" ]\"\n]\n");
        assert!(docs[0].problems.is_empty(), "{:?}", docs[0].problems);
        // Brackets inside a plain scalar open nothing.
        assert_eq!(flow_depth("a: x[0\nb: 'c[' # d[\n"), 0);
        assert_eq!(flow_depth("a: [b, {c: d}, [\n"), 2);
    }

    #[test]
    fn a_tab_in_indentation_is_pointed_at() {
        let text = "a:\n\t\tb: 1\n";
        let docs = parse(text);
        let problem = &docs[0].problems[0];
        assert!(
            problem.message.starts_with("tabs disallowed"),
            "{problem:?}"
        );
        let position = at(text, problem.span);
        assert_eq!((position.line, position.column, position.offset), (2, 1, 3));
    }

    #[test]
    fn a_tab_after_a_colon_separates_as_kubernetes_reads_it() {
        let text = "a:\tx\nb:\t\t\"q\"\nc: [d:\te]\nname:\t\tweb # c\nk: \"t\\tu\"\n";
        let docs = parse(text);
        assert!(docs[0].problems.is_empty(), "{:?}", docs[0].problems);
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(root.get("a").unwrap().as_str(), Some("x"));
        assert_eq!(root.get("b").unwrap().as_str(), Some("q"));
        let name = root.get("name").unwrap();
        assert_eq!(name.as_str(), Some("web"));
        let position = at(text, name.span);
        assert_eq!((position.line, position.column), (4, 8));
        // Anywhere else a tab is still an error.
        let docs = parse("a:\n\tb: 1\n");
        assert!(docs[0].problems[0].message.starts_with("tabs disallowed"));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        // Flow nesting stops at the parser's own recursion limit.
        let text = format!("{}{}", "[".repeat(300), "]".repeat(300));
        let docs = parse(&text);
        assert_eq!(docs[0].problems[0].kind, ProblemKind::Syntax);
        assert_eq!(
            docs[0].problems[0].message,
            "nesting too deep for the parser; the rest of this document is not read"
        );
        assert!(docs[0].root.is_none());
        // Block nesting stops at ours.
        let mut block = String::new();
        for depth in 0..300 {
            block.push_str(&format!("{}k{depth}:\n", "  ".repeat(depth)));
        }
        let docs = parse(&block);
        assert!(
            docs[0].problems[0].message.contains("nesting deeper"),
            "{:?}",
            docs[0].problems
        );
        // 200 levels are fine.
        let mut block = String::new();
        for depth in 0..200 {
            block.push_str(&format!("{}k{depth}:\n", "  ".repeat(depth)));
        }
        assert!(parse(&block)[0].problems.is_empty());
    }

    #[test]
    fn non_ascii_positions_are_byte_offsets() {
        let text = "é: ü\nk: v\n";
        let docs = parse(text);
        let root = docs[0].root.as_ref().unwrap();
        let v = root.get("k").unwrap();
        assert_eq!(v.span.start, 10);
        assert_eq!(at(text, v.span).column, 4);
        let u = root.get("é").unwrap();
        assert_eq!(at(text, u.span).column, 4);
        assert_eq!(u.span.start, 4);
    }

    #[test]
    fn directives_belong_to_the_next_document() {
        // The bare `---` on line 4 opens an empty document of its own.
        let text = "%YAML 1.2\n---\na: 1\n---\n%YAML 1.2\n---\nb: 2\n";
        let docs = parse(text);
        assert_eq!(docs.len(), 3);
        assert!(docs.iter().all(|doc| doc.problems.is_empty()), "{docs:?}");
        assert!(docs[1].root.is_none());
        let b = docs[2].root.as_ref().unwrap().get("b").unwrap();
        assert_eq!(at(text, b.span).line, 7);
    }

    #[test]
    fn crlf_and_a_byte_order_mark_are_read() {
        let text = "\u{feff}a: 1\r\n---\r\nb: x\r\n";
        let docs = parse(text);
        assert_eq!(docs.len(), 2);
        let b = docs[1].root.as_ref().unwrap().get("b").unwrap();
        assert_eq!(b.as_str(), Some("x"));
        assert_eq!((at(text, b.span).line, at(text, b.span).column), (3, 4));
    }

    #[test]
    fn crlf_leaves_no_carriage_return_in_values() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/hostile/crlf.yaml"
        ))
        .unwrap();
        let docs = parse(&text);
        let data = docs[0].root.as_ref().unwrap().get("data").unwrap();
        // As kubectl reads the file.
        assert_eq!(
            data.get("script").unwrap().as_str(),
            Some("echo one\necho two\n")
        );
        assert_eq!(data.get("folded").unwrap().as_str(), Some("a b"));
    }

    #[test]
    fn a_lone_carriage_return_does_not_start_a_line() {
        // YAML reads a lone `\r` as a line break; file lines end at `\n`
        // (found by the `loader` fuzz target: a problem on line 3 of a
        // one-line file).
        let docs = parse("\r\r\0");
        let problem = &docs[0].problems[0];
        assert_eq!(at("\r\r\0", problem.span).line, 1);
        for text in ["a: 1\rb: [\r\rc: 2\n", "é: 1\rb: [\r\rc: 2\n"] {
            let docs = parse(text);
            let range = docs[0].problems[0].span;
            let position = at(text, range);
            assert_eq!(position.line, 1, "{text:?}");
            let offset = range.start as usize;
            assert_eq!(position.column as usize, text[..offset].chars().count() + 1);
        }
        // Non-ASCII text after lone `\r`s: spans still point at their text.
        let text = "a: é\r\rb: ü\nc: ö\n";
        let root = parse(text)[0].root.clone().unwrap();
        let c = root.get("c").unwrap();
        assert_eq!(&text[c.span.byte_range()], "ö");
        let position = at(text, c.span);
        assert_eq!((position.line, position.column), (2, 4));
    }

    #[test]
    fn empty_and_comment_only_streams_have_no_documents() {
        assert!(parse("").is_empty());
        assert!(parse("# just a comment\n\n").is_empty());
        let docs = parse("---\n# nothing\n");
        assert_eq!(docs.len(), 1);
        assert!(docs[0].root.is_none());
    }

    #[test]
    fn what_is_counted_as_empty_the_parser_reads_as_empty() {
        let empty = [
            "---\n",
            "---",
            "--- \n",
            "---\r\n",
            "--- # a comment\n",
            "---\n# Source: chart/templates/a.yaml\n\n   # indented\n",
            "---\n  \r\n",
        ];
        for text in empty {
            assert!(is_empty_document(text), "{text:?}");
            let chunk = Chunk {
                text,
                byte_start: 0,
                lines_before: 0,
                explicit_start: true,
                empty_before: 0,
            };
            let documents = parse_chunk(&chunk, &Limits::default());
            assert_eq!(documents.len(), 1, "{text:?}");
            assert!(documents[0].root.is_none(), "{text:?}");
            assert!(documents[0].problems.is_empty(), "{text:?}");
        }
        let not_empty = [
            "--- a\n",
            "---\ta\n",
            "---\t# tab\n",
            "---\n\t# tab\n",
            "---#x\n",
            "---\n...\n",
            "---\nkey: value\n",
            "--- !!map\n",
        ];
        for text in not_empty {
            assert!(!is_empty_document(text), "{text:?}");
        }
    }

    #[test]
    fn counted_empty_documents_keep_the_indexes_of_the_others() {
        let text = "---\n---\na: 1\n--- # none\n---\n---\nb: 2\n---\n";
        let stream = Stream::split(text, Empty::Count);
        assert_eq!(stream.min_documents(), 6);
        let parsed = stream.parse(&Limits::default());
        assert_eq!(parsed.total, 6);
        let indexes: Vec<usize> = parsed.documents.iter().map(|doc| doc.index).collect();
        assert_eq!(indexes, [1, 4]);
        let kept = parse(text);
        assert_eq!(kept.len(), 6);
        for document in &parsed.documents {
            let same = &kept[document.index];
            assert_eq!(document.root, same.root);
            assert_eq!(document.start, same.start);
        }
    }
}
