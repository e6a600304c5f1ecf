//! Splitting a stream into documents, before anything is parsed.
//!
//! A stream is split at column-0 `---` lines (YAML forbids such a line
//! inside any scalar, so the split is exact). What a stream will cost is
//! then known before a tree is built: a run past its document limit stops
//! here, and a document that is only a `---` line and comments can be
//! counted without being parsed.

/// A slice of the stream holding one or more documents.
pub(super) struct Chunk<'a> {
    pub(super) text: &'a str,
    pub(super) byte_start: usize,
    pub(super) lines_before: usize,
    pub(super) explicit_start: bool,
    /// Empty documents right before this chunk that were counted, not kept
    /// (see [`Stream::split`]).
    pub(super) empty_before: usize,
}

/// What [`Stream::split`] does with a document that is only a `---` line,
/// blank lines and comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Empty {
    /// Parse it like any other (it becomes a document without a root).
    Keep,
    /// Count it and nothing more: a stream of a million `---` lines then
    /// costs a scan, not a million parses and documents.
    Count,
}

/// A stream split into documents, not parsed yet: what it will cost is
/// known before anything is built.
pub(crate) struct Stream<'a> {
    pub(super) chunks: Vec<Chunk<'a>>,
    /// Empty documents counted after the last chunk.
    pub(super) empty_after: usize,
    pub(super) empty: Empty,
}

impl<'a> Stream<'a> {
    /// Splits a stream at lines that start with `---` followed by a space, a
    /// tab or the end of the line. Directive lines (`%YAML 1.2`) belong to
    /// the document that follows them, so a chunk starts at the first
    /// directive and the `---` after it does not split again.
    pub(crate) fn split(text: &'a str, empty: Empty) -> Stream<'a> {
        let mut stream = Stream {
            chunks: Vec::new(),
            empty_after: 0,
            empty,
        };
        let mut chunk_start = 0;
        let mut chunk_lines_before = 0;
        let mut chunk_explicit = false;
        let mut in_prologue = false;
        let mut line_start = 0;
        let mut lines_seen = 0;
        let bytes = text.as_bytes();
        while line_start < bytes.len() {
            let line_end = memchr_newline(bytes, line_start);
            let line = bytes.get(line_start..line_end).unwrap_or_default();
            let is_marker = is_document_marker(line);
            let is_directive = line.first() == Some(&b'%');
            let starts_chunk = (is_directive || is_marker) && !in_prologue;
            if starts_chunk && line_start > chunk_start {
                stream.push_chunk(
                    text,
                    chunk_start,
                    line_start,
                    chunk_lines_before,
                    chunk_explicit,
                );
                chunk_start = line_start;
                chunk_lines_before = lines_seen;
            }
            if line_start == chunk_start {
                chunk_explicit = is_marker || is_directive;
            }
            if is_directive {
                in_prologue = true;
            } else if is_marker {
                in_prologue = false;
            }
            line_start = line_end + 1;
            lines_seen += 1;
        }
        stream.push_chunk(
            text,
            chunk_start,
            text.len(),
            chunk_lines_before,
            chunk_explicit,
        );
        stream
    }

    fn push_chunk(
        &mut self,
        text: &'a str,
        start: usize,
        end: usize,
        lines_before: usize,
        explicit_start: bool,
    ) {
        let Some(chunk_text) = text.get(start..end) else {
            return;
        };
        if !explicit_start && is_blank_or_comments(chunk_text) {
            return;
        }
        if self.empty == Empty::Count && is_empty_document(chunk_text) {
            self.empty_after += 1;
            return;
        }
        self.chunks.push(Chunk {
            text: chunk_text,
            byte_start: start,
            lines_before,
            explicit_start,
            empty_before: std::mem::take(&mut self.empty_after),
        });
    }

    /// The fewest documents the stream holds (a chunk holds one or more),
    /// known before parsing.
    pub(crate) fn min_documents(&self) -> usize {
        self.chunks
            .iter()
            .map(|chunk| chunk.empty_before + 1)
            .sum::<usize>()
            + self.empty_after
    }
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|b| *b == b'\n'))
        .map_or(bytes.len(), |at| from + at)
}

fn is_document_marker(line: &[u8]) -> bool {
    line.starts_with(b"---") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r'))
}

/// Whether a chunk is a `---` line and nothing but blank lines and
/// comments: an empty document. Conservative (spaces only, no tabs or
/// directives), so that whatever it accepts the parser would read as an
/// empty document without a problem.
pub(super) fn is_empty_document(chunk: &str) -> bool {
    let mut lines = chunk.split('\n');
    let Some(marker_rest) = lines.next().and_then(|line| line.strip_prefix("---")) else {
        return false;
    };
    let blank_or_comment = |rest: &str, needs_space: bool| {
        let rest = rest.strip_suffix('\r').unwrap_or(rest);
        let trimmed = rest.trim_start_matches(' ');
        !trimmed.contains('\r')
            && (trimmed.is_empty()
                || (trimmed.starts_with('#') && (!needs_space || trimmed.len() < rest.len())))
    };
    blank_or_comment(marker_rest, true) && lines.all(|line| blank_or_comment(line, false))
}

fn is_blank_or_comments(text: &str) -> bool {
    text.lines().all(|line| {
        let trimmed = line.trim_start_matches([' ', '\t', '\u{feff}']);
        trimmed.trim_end().is_empty() || trimmed.starts_with('#')
    })
}

/// Whether a YAML or JSON text may hold a scalar that reads `word`. A
/// scalar that reads it is written out in full, whatever the style (plain,
/// quoted, block, anchored, JSON), unless escapes spell part of it. The
/// only escapes that yield a letter are `\x`, `\u` and `\U` (in YAML and
/// JSON), and an escaped line break joins two lines without a space; plain
/// line folding cannot split a word, it leaves a space. So a regex's `\d`
/// or `\.` does not make a text suspect.
pub(crate) fn may_spell(text: &str, word: &str) -> bool {
    text.contains(word)
        || text
            .split('\\')
            .skip(1)
            .any(|after| after.starts_with(['x', 'u', 'U', '\n', '\r']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_limit_is_known_before_parsing() {
        let text = "---\n".repeat(200_000);
        let stream = Stream::split(&text, Empty::Count);
        assert!(stream.chunks.is_empty());
        assert_eq!(stream.min_documents(), 200_000);
    }
}
