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
pub const IGNORE_ANNOTATION: &str = "plimsoll.dev/ignore";

/// The annotation that says why [`IGNORE_ANNOTATION`] is there.
pub const IGNORE_REASON_ANNOTATION: &str = "plimsoll.dev/ignore-reason";

const DIRECTIVE: &str = "plimsoll:";

/// One `ignore[...]` or `ignore-file[...]` comment.
#[derive(Debug, Default)]
struct Directive {
    rules: Vec<String>,
    reason: Option<String>,
}

impl Directive {
    fn names(&self, rule: &str) -> bool {
        self.rules.iter().any(|named| named == rule)
    }
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
        for (index, line) in text.lines().enumerate() {
            let Some(hash) = find_comment(line) else {
                continue;
            };
            let comment = line.get(hash + 1..).unwrap_or_default().trim_start();
            let Some(rest) = comment.strip_prefix(DIRECTIVE) else {
                continue;
            };
            let rest = rest.trim_start();
            let comment_only = line.get(..hash).unwrap_or_default().trim().is_empty();
            if let Some(directive) = rest.strip_prefix("ignore-file[").and_then(directive) {
                directives.whole_file.push(directive);
            } else if let Some(directive) = rest.strip_prefix("ignore[").and_then(directive) {
                let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                directives
                    .lines
                    .insert(line_number, (directive, comment_only));
            }
        }
        directives
    }

    /// Whether a finding of `rule` on `line` is suppressed, and if so the
    /// reason written (`Some(None)`: suppressed without one).
    pub(crate) fn suppression(&self, rule: &str, line: u32) -> Option<Option<&str>> {
        let on_line = self
            .lines
            .get(&line)
            .map(|(directive, _)| directive)
            .filter(|directive| directive.names(rule));
        let above = line
            .checked_sub(1)
            .and_then(|above| self.lines.get(&above))
            .filter(|(directive, comment_only)| *comment_only && directive.names(rule))
            .map(|(directive, _)| directive);
        let whole_file = self
            .whole_file
            .iter()
            .find(|directive| directive.names(rule));
        on_line
            .or(above)
            .or(whole_file)
            .map(|directive| directive.reason.as_deref())
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
            .map(str::to_owned)
            .collect(),
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
    })
}

/// Whether the object's `plimsoll.dev/ignore` annotation names `rule`, and
/// if so its `plimsoll.dev/ignore-reason`.
pub(crate) fn annotation_suppression(object: &Object, rule: &str) -> Option<Option<String>> {
    let names = object
        .annotation(IGNORE_ANNOTATION)
        .is_some_and(|rules| rules.split(',').any(|r| r.trim() == rule));
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
        let directives = Directives::parse(text);
        assert_eq!(directives.suppression("rule-a", 3), Some(Some("reviewed")));
        assert_eq!(directives.suppression("rule-a", 2), Some(Some("reviewed")));
        assert_eq!(directives.suppression("rule-a", 4), None);
        assert_eq!(directives.suppression("rule-c", 4), Some(None));
        // A trailing comment covers its own line only.
        assert_eq!(directives.suppression("rule-b", 5), None);
    }

    #[test]
    fn file_directives_cover_every_line() {
        let directives =
            Directives::parse("x: 1\n# plimsoll: ignore-file[rule-a] generated upstream\n");
        assert_eq!(
            directives.suppression("rule-a", 1),
            Some(Some("generated upstream"))
        );
        assert_eq!(directives.suppression("rule-b", 1), None);
    }

    #[test]
    fn hashes_inside_values_are_not_comments() {
        let directives = Directives::parse("url: http://x/#plimsoll:ignore[rule-a]\n");
        assert_eq!(directives.suppression("rule-a", 1), None);
    }
}
