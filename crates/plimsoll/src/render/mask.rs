//! No output contains a secret value (SPEC section 5): the source lines a
//! report keeps for snippets are masked before any renderer sees them.
//!
//! A value is masked when `secret-literal` would flag it (whatever the
//! configuration: a disabled or suppressed rule does not make a password
//! public) or when it is a `data`/`stringData` value of a Secret. Every
//! character of the value becomes `•`, one for one, so that columns, and the
//! underline under the value, stay where they were; quotes, the indentation
//! of continuation lines and the `|`/`>` header of a block scalar stay too.
//! No character of the value is kept: a prefix of a short password is most
//! of it.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::{FileId, Object};
use crate::rules::secret_literal;
use crate::source::TextRange;
use crate::yaml::Node;

/// What a masked character is replaced with.
pub(crate) const MASK: char = '•';

/// The annotation `kubectl apply` writes with the whole applied object in
/// it, a Secret's data included.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Where the secret values of an object are written.
pub(crate) fn secret_values(object: &Object) -> Vec<TextRange> {
    let mut ranges: Vec<TextRange> = secret_literal::credentials(object)
        .into_iter()
        .map(|credential| credential.span)
        .collect();
    if object.identity.is("", "Secret") {
        for field in ["data", "stringData"] {
            let entries = object
                .node
                .get(field)
                .and_then(Node::as_map)
                .unwrap_or_default();
            ranges.extend(entries.iter().map(|entry| entry.value.span));
        }
        if let Some(applied) = object
            .node
            .get_path(&["metadata", "annotations", LAST_APPLIED])
        {
            ranges.push(applied.span);
        }
    }
    ranges
}

/// The secret values of the files of a batch of objects, worked out for a
/// file the first time one of its lines is masked.
pub(crate) struct SecretMasks<'a> {
    objects: &'a [Object],
    /// The objects of each file (made on first use).
    by_file: Option<HashMap<FileId, Vec<&'a Object>>>,
    /// The secret values of each file asked about, sorted.
    values: HashMap<FileId, Vec<TextRange>>,
}

impl<'a> SecretMasks<'a> {
    /// Masks for the files that `objects` are in.
    pub(crate) fn new(objects: &'a [Object]) -> SecretMasks<'a> {
        SecretMasks {
            objects,
            by_file: None,
            values: HashMap::new(),
        }
    }

    /// Masks for files whose secret values are already known: `values`
    /// holds them by file, sorted (a run that no longer holds the objects
    /// worked them out while it did).
    pub(crate) fn known(values: HashMap<FileId, Vec<TextRange>>) -> SecretMasks<'static> {
        SecretMasks {
            objects: &[],
            by_file: None,
            values,
        }
    }

    /// `line`, the text of a line that starts at byte `line_start` of
    /// `text` (the text of `file`), with the secret values on it masked.
    pub(crate) fn mask<'t>(
        &mut self,
        file: FileId,
        text: &str,
        line_start: usize,
        line: &'t str,
    ) -> Cow<'t, str> {
        let objects = self.objects;
        let by_file = self.by_file.get_or_insert_with(|| {
            let mut by_file: HashMap<FileId, Vec<&Object>> = HashMap::new();
            for object in objects {
                by_file.entry(object.file).or_default().push(object);
            }
            by_file
        });
        let values = self.values.entry(file).or_insert_with(|| {
            let mut values: Vec<TextRange> = by_file
                .get(&file)
                .into_iter()
                .flatten()
                .flat_map(|object| secret_values(object))
                .collect();
            values.sort();
            values
        });
        mask_line(text, line_start, line, values)
    }
}

/// `line` (at byte `line_start` of `text`) with the parts of `values` (the
/// sorted, non-overlapping spans of secret values in `text`) that lie on it
/// masked.
pub(crate) fn mask_line<'t>(
    text: &str,
    line_start: usize,
    line: &'t str,
    values: &[TextRange],
) -> Cow<'t, str> {
    let line_end = line_start + line.len();
    // Scalars do not overlap, so the values are sorted by their ends too.
    let first = values.partition_point(|value| (value.end as usize) <= line_start);
    let hidden: Vec<(usize, usize)> = values
        .get(first..)
        .unwrap_or_default()
        .iter()
        .take_while(|value| (value.start as usize) < line_end)
        .filter_map(|value| hidden_part(text, *value, line_start, line_end))
        .collect();
    if hidden.is_empty() {
        return Cow::Borrowed(line);
    }
    // The hidden parts are in order and apart: walk them with the line
    // (testing each character against every part grew with the square of
    // a line holding many secret values).
    let mut parts = hidden.iter().peekable();
    let masked = line
        .char_indices()
        .map(|(at, ch)| {
            let at = line_start + at;
            while parts.next_if(|(_, to)| *to <= at).is_some() {}
            let inside = parts.peek().is_some_and(|(from, _)| *from <= at);
            if inside {
                MASK
            } else {
                ch
            }
        })
        .collect();
    Cow::Owned(masked)
}

/// The byte range of `value` to hide on the line `line_start..line_end`.
fn hidden_part(
    text: &str,
    value: TextRange,
    line_start: usize,
    line_end: usize,
) -> Option<(usize, usize)> {
    let (start, end) = (value.start as usize, value.end as usize);
    let raw = text.get(start..end)?;
    let starts_here = start >= line_start;
    // A block scalar's header line holds only `|`/`>` and its indicators.
    if starts_here && (raw.starts_with('|') || raw.starts_with('>')) {
        return None;
    }
    let mut from = start.max(line_start);
    let mut to = end.min(line_end);
    let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
    if let Some(quote) = quote {
        if starts_here {
            from += 1;
        }
        if end <= line_end && raw.len() > 1 && raw.ends_with(quote) {
            to -= 1;
        }
    }
    if !starts_here {
        // The indentation of a continuation line is not part of the value.
        let segment = text.get(from..to)?;
        from += segment.len() - segment.trim_start().len();
    }
    (from < to).then_some((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str, line: usize, values: &[(usize, usize)]) -> String {
        let values: Vec<TextRange> = values
            .iter()
            .map(|(start, end)| TextRange {
                start: *start as u32,
                end: *end as u32,
            })
            .collect();
        let line_start: usize = text.split('\n').take(line).map(|l| l.len() + 1).sum();
        let line_text = text.split('\n').nth(line).unwrap();
        mask_line(text, line_start, line_text, &values).into_owned()
    }

    #[test]
    fn a_value_is_masked_character_for_character() {
        let text = "a: 1\npassword: \"hünter2\" # note\n";
        let start = text.find('"').unwrap();
        let end = text.rfind('"').unwrap() + 1;
        assert_eq!(
            masked(text, 1, &[(start, end)]),
            "password: \"•••••••\" # note"
        );
        assert_eq!(masked(text, 0, &[(start, end)]), "a: 1");
    }

    #[test]
    fn block_scalars_keep_their_header_and_indentation() {
        let text = "key: |\n  -----BEGIN PRIVATE KEY-----\n  MIIE\nnext: 1\n";
        let start = text.find('|').unwrap();
        let end = text.find("next").unwrap() - 1;
        assert_eq!(masked(text, 0, &[(start, end)]), "key: |");
        assert_eq!(masked(text, 2, &[(start, end)]), "  ••••");
        assert_eq!(masked(text, 3, &[(start, end)]), "next: 1");
    }
}
