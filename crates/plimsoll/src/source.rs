//! Positions and spans in source text.
//!
//! Lines and columns are 1-based and columns count characters (not bytes), as
//! editors and the JSON report do; `offset` is the byte offset into the file.

use serde::Serialize;

/// A point in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// 0-based byte offset into the file.
    pub offset: u32,
}

impl Position {
    /// The first character of a file.
    pub const START: Position = Position {
        line: 1,
        column: 1,
        offset: 0,
    };
}

/// A half-open range of source text: `start` is the first character, `end`
/// the position just after the last one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// Where the range begins.
    pub start: Position,
    /// Where the range ends (exclusive).
    pub end: Position,
}

impl Span {
    /// A span covering exactly one point (used for whole-file findings).
    pub fn point(at: Position) -> Span {
        Span { start: at, end: at }
    }

    /// The byte range of this span, for slicing the file text.
    pub fn byte_range(&self) -> std::ops::Range<usize> {
        self.start.offset as usize..self.end.offset.max(self.start.offset) as usize
    }
}

/// Where a value is written, as byte offsets into its file: the compact form
/// that document trees keep for every key and value (lines and columns are
/// worked out only for the few places a finding points at).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextRange {
    /// Byte offset of the first character.
    pub start: u32,
    /// Byte offset just after the last character.
    pub end: u32,
}

impl TextRange {
    /// An empty range at `offset`.
    pub fn point(offset: u32) -> TextRange {
        TextRange {
            start: offset,
            end: offset,
        }
    }

    /// The byte range, for slicing the file text.
    pub fn byte_range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end.max(self.start) as usize
    }
}

/// Maps byte offsets of a text to line/column positions.
///
/// Built once per file that needs it (files with findings, non-ASCII
/// documents); lookups are a binary search over line starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// The 0-based lines holding a character beyond ASCII, in order: on the
    /// others a column is a byte distance, so many findings on one long
    /// line do not each count its characters.
    non_ascii_lines: Vec<u32>,
}

impl LineIndex {
    /// Index the line starts of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        let mut non_ascii_lines = Vec::new();
        line_starts.push(0);
        // Whole lines at a time: finding a newline and testing a line for
        // ASCII are word-at-a-time scans, a byte loop is not.
        let mut start = 0;
        for (line, text_of_line) in text.split('\n').enumerate() {
            if !text_of_line.is_ascii() {
                non_ascii_lines.push(saturating_u32(line));
            }
            start += text_of_line.len() + 1;
            if start <= text.len() {
                line_starts.push(saturating_u32(start));
            }
        }
        LineIndex {
            line_starts,
            non_ascii_lines,
        }
    }

    /// Number of lines (a trailing newline does not start a new line of text).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte range of 1-based `line`, without its line terminator.
    pub fn line_range(&self, text: &str, line: u32) -> Option<std::ops::Range<usize>> {
        let index = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(index)? as usize;
        let end = self
            .line_starts
            .get(index + 1)
            .map(|next| *next as usize)
            .unwrap_or(text.len());
        let line_text = text.get(start..end)?;
        let trimmed = line_text.trim_end_matches(['\n', '\r']);
        Some(start..start + trimmed.len())
    }

    /// The 1-based line of byte `offset` (clamped to the text): a binary
    /// search, without counting the columns [`LineIndex::position`] counts.
    pub fn line_of(&self, offset: usize) -> u32 {
        let line_index = match self.line_starts.binary_search(&saturating_u32(offset)) {
            Ok(found) => found,
            Err(insert_at) => insert_at.saturating_sub(1),
        };
        saturating_u32(line_index + 1)
    }

    /// The line/column span of `range`.
    pub fn span(&self, text: &str, range: TextRange) -> Span {
        Span {
            start: self.position(text, range.start as usize),
            end: self.position(text, range.end.max(range.start) as usize),
        }
    }

    /// The position of byte `offset` (clamped to the text, and moved back to a
    /// character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_index = match self.line_starts.binary_search(&saturating_u32(offset)) {
            Ok(found) => found,
            Err(insert_at) => insert_at.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0) as usize;
        let is_ascii = self
            .non_ascii_lines
            .binary_search(&saturating_u32(line_index))
            .is_err();
        let column = if is_ascii {
            offset.saturating_sub(line_start)
        } else {
            text.get(line_start..offset)
                .map(|prefix| prefix.chars().count())
                .unwrap_or(0)
        };
        Position {
            line: saturating_u32(line_index + 1),
            column: saturating_u32(column + 1),
            offset: saturating_u32(offset),
        }
    }
}

/// A text and its line index: turns ranges into line/column spans.
#[derive(Debug, Clone)]
pub struct SourceLines<'a> {
    text: &'a str,
    index: LineIndex,
}

impl<'a> SourceLines<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> SourceLines<'a> {
        SourceLines {
            text,
            index: LineIndex::new(text),
        }
    }

    /// The line/column span of `range`.
    pub fn span(&self, range: TextRange) -> Span {
        self.index.span(self.text, range)
    }

    /// The position of the start of `range`.
    pub fn start(&self, range: TextRange) -> Position {
        self.index.position(self.text, range.start as usize)
    }
}

/// Converts a size to `u32`, saturating: files beyond 4 GiB are refused
/// before parsing, so saturation only guards arithmetic.
pub(crate) fn saturating_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_start_after_each_newline_and_non_ascii_lines_are_known() {
        for (text, starts, non_ascii) in [
            ("", vec![0], vec![]),
            ("\n", vec![0, 1], vec![]),
            ("a\n", vec![0, 2], vec![]),
            ("a\nb", vec![0, 2], vec![]),
            ("é\n\nx: é\n", vec![0, 3, 4, 10], vec![0, 2]),
            ("a\r\nbé", vec![0, 3], vec![1]),
        ] {
            let index = LineIndex::new(text);
            assert_eq!(index.line_starts, starts, "{text:?}");
            assert_eq!(index.non_ascii_lines, non_ascii, "{text:?}");
        }
    }

    #[test]
    fn an_indexed_line_is_the_counted_line() {
        let text = "a: 1\n\nné: x\r\nlast";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            let counted = text.as_bytes()[..offset.min(text.len())]
                .iter()
                .filter(|byte| **byte == b'\n')
                .count()
                + 1;
            assert_eq!(index.line_of(offset) as usize, counted, "{offset}");
        }
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "a: b\nné: x\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(
            index.position(text, x),
            Position {
                line: 2,
                column: 5,
                offset: x as u32
            }
        );
        assert_eq!(index.line_range(text, 2), Some(5..11));
        assert_eq!(index.line_range(text, 9), None);
        let text = "ü: 1\nab: é, c\nd: e\n";
        let index = LineIndex::new(text);
        let columns: Vec<(u32, u32)> = ["1", "c", "e"]
            .iter()
            .map(|needle| {
                let position = index.position(text, text.find(needle).unwrap());
                (position.line, position.column)
            })
            .collect();
        assert_eq!(columns, [(1, 4), (2, 8), (3, 4)]);
    }
}
