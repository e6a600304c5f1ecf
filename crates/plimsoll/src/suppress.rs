//! Suppressions written in the checked files (SPEC section 9).
//!
//! - `# plimsoll: ignore[rule-a,rule-b] reason` on the offending line, or on
//!   a comment line directly above it;
//! - `# plimsoll: ignore-file[rule-a] reason` anywhere in a file;
//! - the object annotation `plimsoll.dev/ignore: "rule-a,rule-b"`, with the
//!   reason in `plimsoll.dev/ignore-reason`.
//!
//! The reason is kept with the suppressed finding (SARIF
//! `suppressions[].justification`, JSON `--show-suppressed`).

use std::collections::HashMap;

use crate::model::Object;

/// The annotation that suppresses rules on one object.
pub(crate) const IGNORE_ANNOTATION: &str = "plimsoll.dev/ignore";

/// The annotation that says why [`IGNORE_ANNOTATION`] is there.
pub(crate) const IGNORE_REASON_ANNOTATION: &str = "plimsoll.dev/ignore-reason";

const DIRECTIVE: &str = "plimsoll:";

/// One `ignore[...]` or `ignore-file[...]` comment.
#[derive(Debug, Default)]
struct Directive {
    /// The rules it names, each with whether it suppressed anything.
    rules: Vec<(String, bool)>,
    reason: Option<String>,
    /// Where the comment is: 1-based line, the columns of `#` and of the
    /// line's end (1-based, in characters), and their byte offsets.
    line: u32,
    columns: (u32, u32),
    offsets: (u32, u32),
    /// The line's text (for the snippet of an unused suppression).
    text: String,
}

impl Directive {
    /// Marks `rule` used if the directive names it.
    fn take(&mut self, rule: &str) -> bool {
        match self.rules.iter_mut().find(|(named, _)| named == rule) {
            Some((_, used)) => {
                *used = true;
                true
            }
            None => false,
        }
    }

    fn names(&self, rule: &str) -> bool {
        self.rules.iter().any(|(named, _)| named == rule)
    }
}

/// A rule that an ignore comment names but that suppressed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unused<'d> {
    pub rule: &'d str,
    pub line: u32,
    pub columns: (u32, u32),
    pub offsets: (u32, u32),
    pub text: &'d str,
    pub whole_file: bool,
}

/// The comment directives of one file.
#[derive(Debug, Default)]
pub(crate) struct Directives {
    whole_file: Vec<Directive>,
    /// 1-based line → (the directive, whether the line holds nothing but
    /// the comment).
    lines: HashMap<u32, (Directive, bool)>,
}

impl Directives {
    /// Reads the directives of a file; cheap when there are none.
    pub(crate) fn parse(text: &str) -> Directives {
        let mut directives = Directives::default();
        if !text.contains(DIRECTIVE) {
            return directives;
        }
        let mut line_start = 0;
        for (index, line_with_break) in text.split_inclusive('\n').enumerate() {
            let start = line_start;
            line_start += line_with_break.len();
            let line = line_with_break
                .strip_suffix('\n')
                .map_or(line_with_break, |line| {
                    line.strip_suffix('\r').unwrap_or(line)
                });
            let Some(hash) = find_comment(line) else {
                continue;
            };
            let comment = line.get(hash + 1..).unwrap_or_default().trim_start();
            let Some(rest) = comment.strip_prefix(DIRECTIVE) else {
                continue;
            };
            let rest = rest.trim_start();
            let comment_only = line.get(..hash).unwrap_or_default().trim().is_empty();
            let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let place = |mut directive: Directive| {
                let column = |chars: usize| u32::try_from(chars + 1).unwrap_or(u32::MAX);
                directive.line = line_number;
                directive.columns = (
                    column(line.get(..hash).unwrap_or_default().chars().count()),
                    column(line.trim_end().chars().count()),
                );
                let offset = |bytes: usize| u32::try_from(start + bytes).unwrap_or(u32::MAX);
                directive.offsets = (offset(hash), offset(line.trim_end().len()));
                directive.text = line.to_owned();
                directive
            };
            if let Some(directive) = rest.strip_prefix("ignore-file[").and_then(directive) {
                directives.whole_file.push(place(directive));
            } else if let Some(directive) = rest.strip_prefix("ignore[").and_then(directive) {
                directives
                    .lines
                    .insert(line_number, (place(directive), comment_only));
            }
        }
        directives
    }

    /// Whether the file has any directive.
    pub(crate) fn is_empty(&self) -> bool {
        self.whole_file.is_empty() && self.lines.is_empty()
    }

    /// Whether a finding of `rule` on `line` is suppressed, and if so the
    /// reason written (`Some(None)`: suppressed without one). The
    /// directive that suppresses it counts as used.
    pub(crate) fn suppression(&mut self, rule: &str, line: u32) -> Option<Option<String>> {
        if let Some((directive, _)) = self.lines.get_mut(&line) {
            if directive.take(rule) {
                return Some(directive.reason.clone());
            }
        }
        if let Some(above) = line.checked_sub(1) {
            if let Some((directive, true)) = self.lines.get_mut(&above) {
                if directive.take(rule) {
                    return Some(directive.reason.clone());
                }
            }
        }
        self.whole_file
            .iter_mut()
            .find(|directive| directive.names(rule))
            .map(|directive| {
                directive.take(rule);
                directive.reason.clone()
            })
    }

    /// The rules named by directives that suppressed nothing, in line order.
    pub(crate) fn unused(&self) -> Vec<Unused<'_>> {
        let mut unused: Vec<Unused<'_>> = self
            .lines
            .values()
            .map(|(directive, _)| (directive, false))
            .chain(self.whole_file.iter().map(|directive| (directive, true)))
            .flat_map(|(directive, whole_file)| {
                directive
                    .rules
                    .iter()
                    .filter(|(_, used)| !used)
                    .map(move |(rule, _)| Unused {
                        rule,
                        line: directive.line,
                        columns: directive.columns,
                        offsets: directive.offsets,
                        text: &directive.text,
                        whole_file,
                    })
            })
            .collect();
        unused.sort_by_key(|unused| (unused.line, unused.rule));
        unused
    }
}

/// The position of a `#` that starts a comment (at line start or after
/// whitespace, so `a#b` and URLs with fragments are not comments).
fn find_comment(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    bytes.iter().enumerate().find_map(|(at, byte)| {
        let starts_comment =
            *byte == b'#' && (at == 0 || matches!(bytes.get(at - 1), Some(b' ' | b'\t')));
        starts_comment.then_some(at)
    })
}

/// `rule-a, rule-b] reason` → the rules and the reason.
fn directive(rest: &str) -> Option<Directive> {
    let (list, reason) = rest.split_once(']')?;
    let reason = reason.trim();
    Some(Directive {
        rules: list
            .split(',')
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
            .map(|rule| (rule.to_owned(), false))
            .collect(),
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
        ..Directive::default()
    })
}

/// The rules a `plimsoll.dev/ignore` annotation value names
/// (`"rule-a, rule-b"`).
pub(crate) fn annotated_rules(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|rule| !rule.is_empty())
}

/// Whether the object's `plimsoll.dev/ignore` annotation names `rule`, and
/// if so its `plimsoll.dev/ignore-reason`.
pub(crate) fn annotation_suppression(object: &Object, rule: &str) -> Option<Option<String>> {
    let names = object
        .annotation(IGNORE_ANNOTATION)
        .is_some_and(|rules| annotated_rules(&rules).any(|named| named == rule));
    names.then(|| {
        object
            .annotation(IGNORE_REASON_ANNOTATION)
            .map(|reason| reason.trim().to_owned())
            .filter(|reason| !reason.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_cover_their_line_and_the_next() {
        let text = "a: 1\n# plimsoll: ignore[rule-a] reviewed\nb: 2\nc: 3 # plimsoll: ignore[rule-b, rule-c]\nd: 4\n";
        let mut directives = Directives::parse(text);
        let reviewed = Some(Some("reviewed".to_owned()));
        assert_eq!(directives.suppression("rule-a", 3), reviewed);
        assert_eq!(directives.suppression("rule-a", 2), reviewed);
        assert_eq!(directives.suppression("rule-a", 4), None);
        assert_eq!(directives.suppression("rule-c", 4), Some(None));
        // A trailing comment covers its own line only.
        assert_eq!(directives.suppression("rule-b", 5), None);
        // rule-b suppressed nothing; rule-a and rule-c did.
        let unused: Vec<(&str, u32, (u32, u32))> = directives
            .unused()
            .iter()
            .map(|unused| (unused.rule, unused.line, unused.columns))
            .collect();
        assert_eq!(unused, [("rule-b", 4, (6, 40))]);
    }

    #[test]
    fn file_directives_cover_every_line() {
        let mut directives =
            Directives::parse("x: 1\n# plimsoll: ignore-file[rule-a] generated upstream\n");
        assert_eq!(
            directives.suppression("rule-a", 1),
            Some(Some("generated upstream".to_owned()))
        );
        assert_eq!(directives.suppression("rule-b", 1), None);
    }

    #[test]
    fn hashes_inside_values_are_not_comments() {
        let mut directives = Directives::parse("url: http://x/#plimsoll:ignore[rule-a]\n");
        assert_eq!(directives.suppression("rule-a", 1), None);
    }
}
